import type { INestApplicationContext } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BrokerService,
  EngineRegistry,
  getEngineToken,
  OpenMetricsFileConnector,
  type BrokerOptions,
  type BufferOptions,
  type EngineCounters,
  type MetaqueueHealth,
  MetaqueueHealthIndicator,
  type MetadataConnector,
  type MetadataEngine,
  type StoreOptions,
  type TopicDeclaration,
} from '../../src/lib/index.js';
import { bootMetaqueue } from '../support/boot.js';
import { parseOpenMetrics } from '../support/openmetrics-tools.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { hangBound } from '../support/hang-bound.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';
import type { Tally } from './scorecard.js';

if (!serverUrl)
  throw new Error('npm run test:faults needs DATABASE_URL, a PostgreSQL server to hurt.');

/**
 * One scenario's world: a database of its own, a TCP proxy in front of it, a
 * directory for OpenMetrics files, and the apps it boots (closed at the end).
 */
export class FaultWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'metaqueue-faults-'));
  private readonly droppedIds = new Set<string>();
  private readonly apps: TestingModule[] = [];
  private readonly fileDirs = new Set<string>([this.dir]);
  /** Run at stop(), after the database is dropped: roles a scenario made, mounts. */
  readonly cleanups: (() => void | Promise<void>)[] = [];
  db!: TestDatabase;
  proxy!: TcpProxy;

  async start(): Promise<this> {
    this.db = await createTestDatabase();
    const server = new URL(serverUrl!);
    this.proxy = await new TcpProxy(server.hostname, Number(server.port || 5432)).start();
    return this;
  }

  /** The store URL through the proxy. */
  get proxiedUrl(): string {
    const url = new URL(this.db.store.url!);
    url.host = `127.0.0.1:${this.proxy.port}`;
    return url.toString();
  }

  async boot(options: {
    topics: TopicDeclaration[];
    broker?: BrokerOptions;
    store?: Omit<StoreOptions, 'url'>;
    /** Connect as this role instead of the URL's. */
    user?: string;
    file?: string;
    /** Where the file goes, if not in `dir`; the tally reads it there too. */
    fileDir?: string;
    wrapFile?: (file: MetadataConnector) => MetadataConnector;
    buffer?: BufferOptions;
  }) {
    const fileDir = options.fileDir ?? this.dir;
    this.fileDirs.add(fileDir);
    const file = new OpenMetricsFileConnector({
      samples: 'per-record',
      path: join(fileDir, options.file ?? 'log.txt'),
    });
    const url = new URL(this.proxiedUrl);
    if (options.user) url.username = options.user;
    const app = await bootMetaqueue({
      topics: options.topics,
      store:
        options.broker?.role === 'publisher' ? false : { ...options.store, url: url.toString() },
      connectors:
        options.broker?.role === 'publisher'
          ? []
          : [options.wrapFile ? options.wrapFile(file) : file],
      broker: { retryInitialDelayMs: 10, retryMaxDelayMs: 250, ...options.broker },
      buffer: options.buffer,
    });
    this.watchDrops(app);
    this.apps.push(app);
    return {
      app,
      broker: app.get(BrokerService),
      engine: <T = unknown>(topic: string) => app.get<MetadataEngine<T>>(getEngineToken(topic)),
    };
  }

  /** Keeps the id of every record an engine of `app` drops, for the tally. */
  watchDrops(app: INestApplicationContext): void {
    for (const engine of app.get(EngineRegistry).getAll()) {
      engine.onDropped((record) => this.droppedIds.add(record.id));
    }
  }

  /** Closes one app as it is, the proxy left refusing or not. */
  async close(app: TestingModule): Promise<void> {
    this.apps.splice(this.apps.indexOf(app), 1);
    await app.close();
  }

  async closeApps(): Promise<void> {
    this.proxy.refuse(false);
    await Promise.all(this.apps.splice(0).map((app) => app.close()));
  }

  /**
   * Closes the apps, then compares, as id sets, what was accepted (the ids
   * publish() resolved with, less those dropped since) with what reached the
   * table, the dead-letter table and the closed files. With the engines'
   * counters, also checks that they agree with the ids.
   */
  async tally(resolvedIds: Iterable<string>, counters: EngineCounters[] = []): Promise<Tally> {
    await this.closeApps();
    const resolved = new Set(resolvedIds);
    const dropped = this.droppedIds;
    const accepted = new Set([...resolved].filter((id) => !dropped.has(id)));
    const storedRows = await this.db.query<{ id: string }>('SELECT id FROM metadata');
    const stored = new Set(storedRows.map((r) => r.id));
    const dead = new Set(
      (await this.db.query<{ id: string }>('SELECT id FROM metadata_dead_letter')).map((r) => r.id),
    );
    const fileIds = [...this.fileDirs].flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => /\.txt(\.\d+)?$/.test(f))
        .flatMap((f) => parseOpenMetrics(join(dir, f)).map((s) => s.labels.id)),
    );
    const inFile = new Set(fileIds);
    const count = (ids: Iterable<string>, where: (id: string) => boolean) =>
      [...ids].filter(where).length;
    const counted = (read: (c: EngineCounters) => number) =>
      counters.reduce((n, c) => n + read(c), 0);
    return {
      published: counters.length > 0 ? counted((c) => c.published) : resolved.size,
      accepted: accepted.size,
      dropped: dropped.size,
      stored: stored.size,
      deadLettered: dead.size,
      file: fileIds.length,
      duplicated: storedRows.length - stored.size + fileIds.length - inFile.size,
      lost: count(accepted, (id) => !stored.has(id) && !dead.has(id)),
      phantoms: [stored, dead, inFile].reduce(
        (n, ids) => n + count(ids, (id) => !accepted.has(id)),
        0,
      ),
      storedAndDeadLettered: count(stored, (id) => dead.has(id)),
      fileMissing: count(stored, (id) => !inFile.has(id)),
      fileExtra: count(inFile, (id) => !stored.has(id)),
      checks:
        counters.length > 0
          ? { acceptedAsCounted: counted((c) => c.accepted) === accepted.size }
          : {},
    };
  }

  /**
   * Ends a database outage: lets connections through again, waits for the
   * publishes, flushes, and tallies. The checks say whether the engine counted
   * every publish and every rejection a publisher saw.
   */
  async endOutage(
    publishing: Promise<PromiseSettledResult<unknown>[]>,
    engine: MetadataEngine,
    broker: BrokerService,
  ): Promise<{ tally: Tally; checks: Record<string, boolean> }> {
    this.proxy.refuse(false);
    const outcomes = await publishing;
    await broker.flush();
    const c = engine.counters;
    const rejected = outcomes.filter((o) => o.status === 'rejected').length;
    const tally = await this.tally(acceptedIdsOf(outcomes), [c]);
    return {
      tally,
      checks: {
        everyPublishCounted: c.accepted + sumOf(c.dropped) + sumOf(c.rejected) === c.published,
        rejectionsCounted: rejected === sumOf(c.rejected),
      },
    };
  }

  async stop(): Promise<void> {
    await this.closeApps();
    await this.proxy.stop();
    await this.db.drop();
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs `count` publishers at once, each publishing `each` records through `publish`. */
export async function publishers(
  count: number,
  each: number,
  publish: (publisher: number, i: number) => Promise<unknown>,
): Promise<PromiseSettledResult<unknown>[]> {
  const all = await Promise.all(
    Array.from({ length: count }, async (_, p) => {
      const outcomes: PromiseSettledResult<unknown>[] = [];
      for (let i = 0; i < each; i++) {
        outcomes.push(
          await publish(p, i).then(
            (value) => ({ status: 'fulfilled' as const, value }),
            (reason: unknown) => ({ status: 'rejected' as const, reason }),
          ),
        );
      }
      return outcomes;
    }),
  );
  return all.flat();
}

/** The total of a counter kept by reason (dropped, rejected). */
export const sumOf = (byReason: Record<string, number>): number =>
  Object.values(byReason).reduce((n, v) => n + v, 0);

/** The ids of the records that publish() resolved with. */
export function acceptedIdsOf(outcomes: PromiseSettledResult<unknown>[]): string[] {
  return outcomes.flatMap((o) =>
    o.status === 'fulfilled' && o.value ? [(o.value as { id: string }).id] : [],
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a condition of the scenario; fails the scenario after `timeoutMs`, scaled by the load. */
export async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + hangBound(timeoutMs);
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the scenario');
    await sleep(20);
  }
}

/** Health as soon as it is down, checking from the first failure on as a probe would; else up. */
export async function healthWhenDown(health: MetaqueueHealthIndicator): Promise<MetaqueueHealth> {
  let result = health.isHealthy('metaqueue', { failingForMs: 0 }).metaqueue;
  for (let i = 0; i < 200 && result.status === 'up'; i++) {
    await sleep(20);
    result = health.isHealthy('metaqueue', { failingForMs: 0 }).metaqueue;
  }
  return result;
}
