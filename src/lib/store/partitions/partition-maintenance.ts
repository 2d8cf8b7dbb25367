import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { describeError } from '../../errors/describe-error.util.js';
import { logMessages } from '../../metaqueue.messages.js';
import {
  overlaps,
  parsePartitionName,
  partitionOf,
  periodAfter,
  type PartitionSpan,
} from './partition-period.js';
import { retentionMs } from './retention-horizon.js';
import type { StoreLayout } from './store-layout.js';

/** What the maintenance has done since the store opened; in `/metrics`. */
export interface MaintenanceCounters {
  partitionsCreated: number;
  partitionsDropped: number;
  defaultRowsExpired: number;
  deadLettersExpired: number;
  taskRunsExpired: number;
  failedSteps: number;
}

// A DDL statement waits this long for its lock, then gives up until the next run:
// a lock request queued behind a long read would hold up every write meanwhile.
const lockTimeout = `SET LOCAL lock_timeout = '5s'`;

const listPartitions = `
  SELECT c.relname AS "name" FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = to_regclass('metadata')`;

/** The topics a partition holds, one index probe each (a loose scan of its (topic, published_at) index). */
const topicsOf = (table: string) => `
  WITH RECURSIVE t AS (
    (SELECT "topic" FROM "${table}" ORDER BY "topic" LIMIT 1)
    UNION ALL
    SELECT (SELECT "topic" FROM "${table}" WHERE "topic" > t."topic" ORDER BY "topic" LIMIT 1)
    FROM t WHERE t."topic" IS NOT NULL
  )
  SELECT "topic" FROM t WHERE "topic" IS NOT NULL`;

/**
 * Keeps table `metadata` in shape on the broker's schedule: partitions made
 * ahead of the records that will need them, partitions past the retention
 * horizon dropped whole (never a DELETE of records), old dead letters
 * deleted, the optional indexes as asked. A run never overlaps the last, and
 * a failed step is logged, counted and tried again at the next run.
 */
export class PartitionMaintenance {
  private static readonly logger = new Logger('MetadataStore');
  readonly counters: MaintenanceCounters = {
    partitionsCreated: 0,
    partitionsDropped: 0,
    defaultRowsExpired: 0,
    deadLettersExpired: 0,
    taskRunsExpired: 0,
    failedSteps: 0,
  };
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private started = false;

  constructor(
    private readonly dataSource: DataSource,
    readonly layout: StoreLayout,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Applies the indexes, runs once (partitions exist before the first flush), then every interval. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.step('apply store.indexes', () => this.applyIndexes());
    await this.run();
    this.schedule();
  }

  /** Stops the schedule; waits for a run under way. Idempotent. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One run, or the one under way: partitions ahead, then retention. */
  run(now: Date = this.clock()): Promise<void> {
    this.running ??= (async () => {
      try {
        await this.step('make partitions ahead', () => this.createAhead(now));
        await this.step('apply store.retention', () => this.dropExpired(now));
        await this.step('apply store.retention to the default partition', () =>
          this.expireDefaultRows(now),
        );
        await this.step('apply store.deadLetterRetention', () => this.expireDeadLetters(now));
        await this.step('apply store.taskRunRetention', () => this.expireTaskRuns(now));
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private schedule(): void {
    if (!this.started) return;
    this.timer = setTimeout(
      () => void this.run().finally(() => this.schedule()),
      this.layout.maintenanceIntervalMs,
    );
    this.timer.unref();
  }

  /** Runs a step; a failure is logged and counted, never thrown into the event loop. */
  private async step(name: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.counters.failedSteps++;
      PartitionMaintenance.logger.warn(
        logMessages.storeMaintenanceFailed(name, describeError(error)),
      );
    }
  }

  /** The partitions of the current period and of `partitionsAhead` after it. */
  async createAhead(now: Date): Promise<void> {
    const { partition, partitionsAhead } = this.layout;
    const existing = await this.partitions();
    let start = partitionOf(partition, now).start;
    for (let i = 0; i <= partitionsAhead; i++, start = periodAfter(partition, start)) {
      const wanted = partitionOf(partition, start);
      if (existing.some((p) => p.name === wanted.name)) continue;
      // A span another period's partitions already partly cover (after a change of
      // store.partition, or the migration's days) is filled in days.
      const spans = existing.some((p) => overlaps(p, wanted)) ? daysOf(wanted) : [wanted];
      for (const span of spans) {
        if (existing.some((p) => overlaps(p, span))) continue;
        await this.create(span);
        existing.push(span);
      }
    }
  }

  /**
   * Makes one partition. Records of its span already in the default
   * partition (published ahead of their partition) move into it, in the same
   * transaction, since a default partition that holds them refuses the span.
   */
  private async create(span: PartitionSpan): Promise<void> {
    const moved = await this.dataSource.transaction(async (tx: EntityManager) => {
      await tx.query(lockTimeout);
      await tx.query(`LOCK TABLE "metadata" IN SHARE UPDATE EXCLUSIVE MODE`);
      await tx.query(`LOCK TABLE "metadata_default" IN ACCESS EXCLUSIVE MODE`);
      await tx.query(`CREATE TABLE "${span.name}" (LIKE "metadata" INCLUDING DEFAULTS)`);
      const [{ count }] = await tx.query<[{ count: number }]>(
        `WITH moved AS (
           DELETE FROM "metadata_default" WHERE "published_at" >= $1 AND "published_at" < $2 RETURNING *
         ), kept AS (INSERT INTO "${span.name}" SELECT * FROM moved RETURNING 1)
         SELECT count(*)::int AS "count" FROM kept`,
        [span.start, span.end],
      );
      await tx.query(
        `ALTER TABLE "metadata" ATTACH PARTITION "${span.name}"
         FOR VALUES FROM ('${span.start.toISOString()}') TO ('${span.end.toISOString()}')`,
      );
      return count;
    });
    this.counters.partitionsCreated++;
    PartitionMaintenance.logger.log(
      logMessages.partitionCreated(
        span.name,
        span.start.toISOString(),
        span.end.toISOString(),
        moved,
      ),
    );
  }

  /**
   * Drops every partition whose records are all past their topics' horizon,
   * in one transaction: one lock on `metadata`, one commit, however many.
   */
  async dropExpired(now: Date): Promise<void> {
    const { retention } = this.layout;
    if (retention === undefined) return;
    const expired: { partition: PartitionSpan; horizonMs: number }[] = [];
    for (const partition of await this.partitions()) {
      const horizonMs = await this.horizonOf(partition.name);
      if (horizonMs === undefined || partition.end.getTime() > now.getTime() - horizonMs) continue;
      expired.push({ partition, horizonMs });
    }
    if (expired.length === 0) return;
    await this.dataSource.transaction(async (tx: EntityManager) => {
      await tx.query(lockTimeout);
      await tx.query(
        `DROP TABLE ${expired.map(({ partition }) => `"${partition.name}"`).join(', ')}`,
      );
    });
    for (const { partition, horizonMs } of expired) {
      this.counters.partitionsDropped++;
      PartitionMaintenance.logger.log(
        logMessages.partitionDropped(
          partition.name,
          partition.end.toISOString(),
          typeof retention === 'string'
            ? retention
            : `${horizonMs / 86_400_000} days for its topics`,
        ),
      );
    }
  }

  /**
   * Records of the default partition past their topic's horizon are deleted:
   * it holds only records no partition covered (a clock far off), so they
   * are few, and writes go to the partitions made ahead, not to it.
   */
  async expireDefaultRows(now: Date): Promise<void> {
    const { retention } = this.layout;
    if (retention === undefined) return;
    const topics =
      typeof retention === 'string'
        ? [{ topic: undefined, horizonMs: retentionMs(retention) }]
        : (await this.dataSource.query<{ topic: string }[]>(topicsOf('metadata_default'))).map(
            ({ topic }) => ({ topic, horizonMs: retentionMs(retention(topic)) }),
          );
    for (const { topic, horizonMs } of topics) {
      if (horizonMs === undefined) continue;
      const horizon = new Date(now.getTime() - horizonMs);
      const count = await this.deleted(
        `DELETE FROM "metadata_default" WHERE "published_at" < $1 AND ($2::text IS NULL OR "topic" = $2)`,
        [horizon, topic ?? null],
      );
      if (count === 0) continue;
      this.counters.defaultRowsExpired += count;
      PartitionMaintenance.logger.log(
        logMessages.defaultRowsExpired(count, topic, horizon.toISOString()),
      );
    }
  }

  /**
   * The longest horizon of the topics in a partition, in ms; `undefined` keeps
   * it. An empty partition goes by the topics of the whole table.
   */
  private async horizonOf(table: string): Promise<number | undefined> {
    const { retention } = this.layout;
    if (typeof retention !== 'function') return retentionMs(retention);
    let topics = await this.dataSource.query<{ topic: string }[]>(topicsOf(table));
    if (topics.length === 0) topics = await this.dataSource.query(topicsOf('metadata'));
    if (topics.length === 0) return undefined;
    let longest = 0;
    for (const { topic } of topics) {
      const ms = retentionMs(retention(topic));
      if (ms === undefined) return undefined;
      longest = Math.max(longest, ms);
    }
    return longest;
  }

  /** Dead letters are few and off the write path: they are deleted by `failed_at`. */
  async expireDeadLetters(now: Date): Promise<void> {
    const horizonMs = retentionMs(this.layout.deadLetterRetention);
    if (horizonMs === undefined) return;
    const horizon = new Date(now.getTime() - horizonMs);
    const count = await this.deleted(`DELETE FROM "metadata_dead_letter" WHERE "failed_at" < $1`, [
      horizon,
    ]);
    if (count === 0) return;
    this.counters.deadLettersExpired += count;
    PartitionMaintenance.logger.log(logMessages.deadLettersExpired(count, horizon.toISOString()));
  }

  /** Task runs are a row per tick, off the write path: deleted by `scheduled_at`, never a running one. */
  async expireTaskRuns(now: Date): Promise<void> {
    const horizonMs = retentionMs(this.layout.taskRunRetention);
    if (horizonMs === undefined) return;
    const horizon = new Date(now.getTime() - horizonMs);
    const count = await this.deleted(
      `DELETE FROM "metaqueue_task_runs" WHERE "scheduled_at" < $1 AND "status" <> 'running'`,
      [horizon],
    );
    if (count === 0) return;
    this.counters.taskRunsExpired += count;
    PartitionMaintenance.logger.log(logMessages.taskRunsExpired(count, horizon.toISOString()));
  }

  /** The GIN index on `data` exists exactly when `store.indexes` asks for it. */
  async applyIndexes(): Promise<void> {
    const wanted = this.layout.indexes.includes('data');
    const [{ exists }] = await this.dataSource.query<[{ exists: boolean }]>(
      `SELECT to_regclass('metadata_data_idx') IS NOT NULL AS "exists"`,
    );
    if (wanted === exists) return;
    await this.dataSource.query(
      wanted
        ? `CREATE INDEX IF NOT EXISTS "metadata_data_idx" ON "metadata" USING gin ("data" jsonb_path_ops)`
        : `DROP INDEX IF EXISTS "metadata_data_idx"`,
    );
    PartitionMaintenance.logger.log(logMessages.storeIndexChanged('metadata_data_idx', wanted));
  }

  /** Runs `deleteSql`, a DELETE, and says how many rows it deleted. */
  private async deleted(deleteSql: string, params: unknown[]): Promise<number> {
    const [{ count }] = await this.dataSource.query<[{ count: number }]>(
      `WITH deleted AS (${deleteSql} RETURNING 1) SELECT count(*)::int AS "count" FROM deleted`,
      params,
    );
    return count;
  }

  /** The partitions metaqueue named, with their spans. */
  private async partitions(): Promise<PartitionSpan[]> {
    const rows = await this.dataSource.query<{ name: string }[]>(listPartitions);
    return rows.flatMap(({ name }) => parsePartitionName(name) ?? []);
  }
}

function daysOf(span: PartitionSpan): PartitionSpan[] {
  const days: PartitionSpan[] = [];
  for (let day = span.start; day < span.end; day = periodAfter('day', day)) {
    days.push(partitionOf('day', day));
  }
  return days;
}
