import { Logger } from '@nestjs/common';
import type { MetaQueue } from '../../queue/meta-queue.js';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { logMessages } from '../../metaqueue.messages.js';
import { describeError } from '../../errors/describe-error.util.js';
import type { ReplayGuard } from '../replay-guard.interface.js';
import type { SourceReport, StreamStats } from '../source-report.interface.js';
import type { BatchReader, RecordSource, SourceBatch } from '../record-source.interface.js';
import type { ResolvedRedisBufferOptions } from './redis-buffer-options.js';
import {
  connectRedis,
  describeTarget,
  redactCredentials,
  streamPipeline,
  type StreamClient,
} from './redis-connection.js';
import { decodeRecord, encodedRecordId } from '../record-codec.js';
import { HandedOutEntries } from './handed-out-entries.js';
import { RecordOwners } from './record-owners.js';
import { entryValue } from './stream-entry.js';
import { StreamOutbox, type OutboxLink } from './stream-outbox.js';
import { StreamPublisher } from './stream-publisher.js';

/** An entry as XREADGROUP and XAUTOCLAIM give it: id and fields (`null` once deleted). */
type RawEntry = [id: string, fields: string[] | null];
/** A group's entries of one read, by stream. */
type GroupRead = { group: string; stream: string; entries: RawEntry[] }[];

/** A batch handed out and not yet acknowledged by every sink. */
interface BatchInFlight {
  /** Per sink, the entry ids to acknowledge, by stream. */
  readonly ids: Map<string, Map<string, string[]>>;
  readonly records: number;
}

/** Where `XAUTOCLAIM` goes on in each group's stream. */
const START = '0-0';

/** A consumer with nothing pending, idle this many `claimIdleMs`, is a worker that is gone. */
const goneAfterClaimIdles = 10;

/**
 * Records wait in Redis: one stream per topic, one consumer group per sink,
 * this process one consumer in each. Publishes are appended in one
 * pipelined round trip per tick. A read hands out what any group has for
 * this consumer, each sink getting only its own group's entries: first what
 * this consumer left pending before a restart, then entries another consumer
 * left idle past `claimIdleMs` (`XAUTOCLAIM`), then new entries, read for
 * every group in one transaction so the groups stay in step. A sink's
 * acknowledgement is an `XACK` to its group; an entry is trimmed once every
 * group has acknowledged it. Entries read again (claimed, or this consumer's
 * own) go through the ownership register for the sinks that keep a copy.
 */
export class RedisRecordSource implements RecordSource, OutboxLink {
  private readonly logger = new Logger('RedisBuffer');
  private readonly client: StreamClient;
  private readonly target: string;
  private readonly outboxes: StreamOutbox[] = [];
  private readonly publisher: StreamPublisher;
  private readonly streams: string[] = [];
  private readonly owners: RecordOwners;
  private sinks: string[] = [];
  private groupsReady = false;
  private readonly inFlightBatches = new Map<SourceBatch, BatchInFlight>();
  private readonly handedOut = new HandedOutEntries();
  private inFlightRecords = 0;
  /** Per group and stream, how far the read of this consumer's own pending entries got. */
  private recovery?: Map<string, Map<string, string>>;
  private readonly claimCursors = new Map<string, string>();
  private claimDueAt = 0;
  /** When `forgetGoneConsumers` runs next: with the first claim that finds nothing more. */
  private forgetDueAt = 0;
  private unacknowledged: { sink: string; stream: string; ids: string[] }[] = [];
  private readonly tasks = new Set<Promise<unknown>>();
  private trimDue = false;
  private appendedSinceWatch = 0;
  private watcher?: { threshold: number; listener: () => void };
  private unreachable = false;
  /** The read `reader()` started ahead, until a `next()` takes it. */
  private readAhead?: Promise<SourceBatch | undefined>;

  constructor(private readonly options: ResolvedRedisBufferOptions) {
    this.client = connectRedis(options);
    this.target = describeTarget(this.client);
    this.client.on('error', (error: Error) => this.onConnectionError(error));
    this.client.on('ready', () => this.onReady());
    // Filled by outbox(), as the engines are made; read from start() on.
    this.owners = new RecordOwners(
      this.client,
      this.streams,
      options.streamPrefix,
      options.ownershipTtlMs,
      options.consumer,
    );
    this.publisher = new StreamPublisher(this.client, this.outboxes, this, (n) =>
      this.onAppended(n),
    );
  }

  /** A topic's intake: its publishes on their way into its stream, under its queue's policy. */
  outbox(topic: string, queue: MetaQueue): StreamOutbox {
    const outbox = new StreamOutbox(
      this.streamOf(topic),
      this.options.maxLen ?? queue.capacity,
      queue.overflow,
      queue.blockTimeoutMs,
      this,
    );
    this.outboxes.push(outbox);
    this.streams.push(outbox.stream);
    return outbox;
  }

  /** `false` from a failed connection until Redis answers again: publishes apply their policy, health is down. */
  get available(): boolean {
    return !this.unreachable;
  }

  report(): SourceReport {
    return {
      keptIn: 'the Redis streams',
      reachable: this.available,
      streams: () => this.streamStats(),
    };
  }

  /**
   * Publishes not yet appended. Entries waiting in Redis are not this
   * process's to lose (another worker, or the next start, reads them):
   * `/metrics` shows them as each group's lag.
   */
  get waiting(): number {
    return this.outboxes.reduce((n, o) => n + o.size, 0);
  }

  get inFlight(): number {
    return this.inFlightRecords;
  }

  requestSend(): void {
    this.publisher.requestSend();
  }

  async start(sinks: readonly string[]): Promise<void> {
    this.sinks = [...sinks];
    this.recoverOwnPending();
    await this.createGroups().catch((error: unknown) => this.logUnreachable(error));
  }

  /**
   * For a sink that keeps a copy: its claims registered, and a crashed copy
   * settled with the fleet (see `RecordOwners`). What a kept copy has is
   * left out as it is read, so every batch is written whole.
   */
  replayGuard(sink: string): ReplayGuard {
    return {
      open: () => Promise.resolve(this.owners.track(sink)),
      settle: (ids, writer) => this.settle(sink, [...ids], writer),
      admit: (records, write) => write(records),
      close: () => Promise.resolve(),
    };
  }

  watch(threshold: number, listener: () => void): void {
    this.watcher = { threshold, listener };
  }

  /**
   * Reads one batch ahead: the next read's round trip overlaps the sinks'
   * writes of the batch before it, as a read from memory would.
   */
  reader(maxBatchSize: number): BatchReader {
    let done = false;
    let mine: Promise<SourceBatch | undefined> | undefined;
    return {
      next: async () => {
        if (done) return undefined;
        const ahead = this.readAhead;
        this.readAhead = undefined;
        const own = ahead !== undefined && ahead === mine;
        let batch = ahead && (await ahead);
        // Only this reader's own empty read ends it: one left by a pass that ended early is stale.
        if (!batch && !own) batch = await this.readBatch(maxBatchSize);
        done = batch === undefined;
        if (batch) {
          mine = this.readAhead = this.readBatch(maxBatchSize);
          // Awaited by the next call; a pass that ends early leaves it to the next reader.
          mine.catch(() => undefined);
        }
        return batch;
      },
    };
  }

  acknowledge(sink: string, batch: SourceBatch): void {
    const inFlight = this.inFlightBatches.get(batch);
    const ids = inFlight?.ids.get(sink);
    if (!inFlight || !ids) return;
    inFlight.ids.delete(sink);
    for (const [stream, entryIds] of ids) this.sendAck(sink, stream, entryIds);
    if (inFlight.ids.size > 0) return;
    this.inFlightBatches.delete(batch);
    this.inFlightRecords -= inFlight.records;
  }

  close(): void {
    for (const outbox of this.outboxes) outbox.close();
  }

  /** Stream lengths, and each group's pending entries and lag: for `/metrics`. */
  private async streamStats(): Promise<StreamStats[]> {
    // Queued until Redis returns, a scrape would hang with it.
    if (!this.publisher.connected)
      throw new Error(logMessages.redisUnreachable(this.target, 'not connected'));
    const pipeline = this.client.pipeline();
    for (const stream of this.streams) pipeline.xlen(stream).xinfo('GROUPS', stream);
    const replies = (await pipeline.exec()) ?? [];
    return this.streams.map((stream, i) => {
      const [, length] = replies[2 * i];
      const [, groups] = replies[2 * i + 1];
      return {
        stream,
        length: (length as number) ?? 0,
        groups: ((groups as unknown[][] | null) ?? []).map((g) => {
          const info = fieldsOf(g);
          return {
            group: String(info.name),
            pending: Number(info.pending),
            lag: info.lag === null ? undefined : Number(info.lag),
          };
        }),
      };
    });
  }

  /** Waits for the last sends and acknowledgements, then closes the connection. */
  async release(): Promise<void> {
    this.publisher.stop();
    if (this.publisher.connected) {
      await this.publisher.idle();
      await this.retryAcks();
      while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
      await this.trim().catch(() => undefined);
      await this.client.quit().catch(() => undefined);
    }
    this.client.disconnect();
  }

  /** Whether Redis is ready, once the connection under way (at startup) has answered. */
  private async connection(): Promise<boolean> {
    if (this.publisher.connected || this.unreachable) return this.publisher.connected;
    await new Promise<void>((resolve) => {
      const settle = () => {
        this.client.off('ready', settle).off('error', settle);
        resolve();
      };
      this.client.once('ready', settle).once('error', settle);
    });
    return this.publisher.connected;
  }

  private streamOf(topic: string): string {
    return `${this.options.streamPrefix}${topic}`;
  }

  private async createGroups(): Promise<void> {
    if (!this.publisher.connected) return;
    const pipeline = this.client.pipeline();
    for (const stream of this.streams) {
      for (const group of this.sinks) pipeline.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    }
    for (const [error] of (await pipeline.exec()) ?? []) {
      if (error && !error.message.startsWith('BUSYGROUP')) throw error;
    }
    this.groupsReady = true;
  }

  private readBatch(max: number): Promise<SourceBatch | undefined> {
    return this.handedOut.reading(() => this.read(max));
  }

  private async read(max: number): Promise<SourceBatch | undefined> {
    // Nothing can be read now; the next pass after Redis returns reads it all.
    if (!(await this.connection())) return undefined;
    if (!this.groupsReady) await this.createGroups();
    try {
      return await this.readGroups(max);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOGROUP'))) throw error;
      // The streams are gone (a Redis without persistence restarted): make the groups again.
      await this.createGroups();
      return this.readGroups(max);
    }
  }

  private async readGroups(max: number): Promise<SourceBatch | undefined> {
    await this.retryAcks();
    const count = Math.max(1, Math.ceil(max / this.streams.length));
    if (this.recovery) {
      const pending = await this.readOwnPending(count);
      if (pending) return pending;
      this.recovery = undefined;
    }
    if (Date.now() >= this.claimDueAt) {
      const claimed = await this.claim(count);
      if (claimed) return claimed;
    }
    return this.batchOf(await this.readEveryGroup(count, () => '>'));
  }

  /** One XREADGROUP per group, from `from(group, stream)`, in one transaction: the groups stay in step. */
  private async readEveryGroup(
    count: number,
    from: (group: string, stream: string) => string,
  ): Promise<GroupRead> {
    const reads = this.client.multi();
    for (const group of this.sinks) {
      reads.xreadgroup(
        'GROUP',
        group,
        this.options.consumer,
        'COUNT',
        count,
        'STREAMS',
        ...this.streams,
        ...this.streams.map((stream) => from(group, stream)),
      );
    }
    const replies = (await reads.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    return this.sinks.flatMap((group, i) => groupRead(group, replies[i]?.[1]));
  }

  /**
   * Has the next reads go through what this consumer was handed and never
   * acknowledged: before a restart, or in a reply a cut connection lost.
   */
  private recoverOwnPending(): void {
    this.recovery = new Map(
      this.sinks.map((sink) => [sink, new Map(this.streams.map((s) => [s, START]))]),
    );
  }

  /** The next of this consumer's pending entries, less those under way here. */
  private async readOwnPending(count: number): Promise<SourceBatch | undefined> {
    for (;;) {
      const read = await this.readOwnPendingPage(count);
      if (read.length === 0) return undefined;
      const batch = this.batchOf(read);
      if (batch) return batch;
    }
  }

  private async readOwnPendingPage(count: number): Promise<GroupRead> {
    const cursors = this.recovery!;
    const read = (
      await this.readEveryGroup(count, (group, stream) => cursors.get(group)!.get(stream)!)
    ).filter(({ entries }) => entries.length > 0);
    for (const { group, stream, entries } of read) {
      cursors.get(group)!.set(stream, entries[entries.length - 1][0]);
      const notUnderWay = entries.filter(([id]) => !this.handedOut.has(group, stream, id));
      entries.splice(0, entries.length, ...notUnderWay);
    }
    await this.leaveOutOwned(read);
    return read;
  }

  /** Every group with every stream: the pairs a claim, or a look at the consumers, goes through. */
  private groupStreams(): { group: string; stream: string }[] {
    return this.sinks.flatMap((group) => this.streams.map((stream) => ({ group, stream })));
  }

  /** Entries another consumer left pending past `claimIdleMs`: it died, or hangs. */
  private async claim(count: number): Promise<SourceBatch | undefined> {
    const pipeline = this.client.pipeline();
    const pairs = this.groupStreams();
    for (const { group, stream } of pairs) {
      const cursor = this.claimCursors.get(`${group}\n${stream}`) ?? START;
      pipeline.xautoclaim(
        stream,
        group,
        this.options.consumer,
        this.options.claimIdleMs,
        cursor,
        'COUNT',
        count,
      );
    }
    const replies = (await pipeline.exec()) ?? [];
    let more = false;
    const read: GroupRead = pairs.map(({ group, stream }, i) => {
      const [error, reply] = replies[i] ?? [];
      if (error) throw error;
      const [next, entries] = reply as [string, RawEntry[]];
      this.claimCursors.set(`${group}\n${stream}`, next);
      more ||= next !== START;
      // Entries still under way here went idle only because a sink is slow.
      const notUnderWay = entries.filter(([id]) => !this.handedOut.has(group, stream, id));
      return { group, stream, entries: notUnderWay };
    });
    if (!more) {
      this.claimDueAt = Date.now() + this.options.claimIdleMs / 2;
      if (Date.now() >= this.forgetDueAt)
        this.track(this.forgetGoneConsumers().catch(() => undefined));
    }
    await this.leaveOutOwned(read);
    return this.batchOf(read);
  }

  /**
   * Removes from every group the consumers with nothing pending, idle for
   * `goneAfterClaimIdles × claimIdleMs`: workers that are gone (each run of
   * a worker is a new consumer, `hostname:pid`), so the groups do not fill
   * with their names. One that is only quiet comes back by its next read.
   */
  private async forgetGoneConsumers(): Promise<void> {
    const goneAfterMs = this.options.claimIdleMs * goneAfterClaimIdles;
    this.forgetDueAt = Date.now() + goneAfterMs;
    const pairs = this.groupStreams();
    const infos = this.client.pipeline();
    for (const { group, stream } of pairs) infos.xinfo('CONSUMERS', stream, group);
    const replies = (await infos.exec()) ?? [];
    const forget = streamPipeline(this.client);
    let any = false;
    pairs.forEach(({ group, stream }, i) => {
      const [error, consumers] = replies[i] ?? [];
      if (error) return;
      for (const consumer of (consumers as unknown[][] | null) ?? []) {
        const { name, pending, idle } = fieldsOf(consumer);
        if (name === this.options.consumer || Number(pending) > 0) continue;
        if (Number(idle) < goneAfterMs) continue;
        forget.metaqueueForgetConsumer(stream, group, String(name));
        any = true;
      }
    });
    if (any) await forget.exec();
  }

  /**
   * Entries read again after a crash, for each sink that keeps a copy:
   * those a crashed worker's recovered copy keeps are left out (and
   * acknowledged); the others are registered as this run's before the sink
   * writes them, so that copy's later recovery drops them.
   */
  private async leaveOutOwned(read: GroupRead): Promise<void> {
    const owned = read
      .filter(({ group }) => this.owners.tracks(group))
      .map((r) => ({ ...r, live: r.entries.filter(([, fields]) => entryValue(fields)) }))
      .filter(({ live }) => live.length > 0);
    if (owned.length === 0) return;
    const writes = await this.owners.claim(
      owned.map(({ group, live }) => ({
        sink: group,
        recordIds: live.map(([, fields]) => encodedRecordId(entryValue(fields)!)),
      })),
    );
    owned.forEach(({ group, stream, entries, live }, i) => {
      const keptByCopy = new Set(live.filter((_, j) => !writes[i][j]).map(([id]) => id));
      if (keptByCopy.size === 0) return;
      this.sendAck(group, stream, [...keptByCopy]);
      entries.splice(0, entries.length, ...entries.filter(([id]) => !keptByCopy.has(id)));
    });
  }

  /** Settles a crashed copy with the register; fails, never guesses, while Redis cannot be reached. */
  private async settle(
    sink: string,
    ids: readonly string[],
    writer: string | undefined,
  ): Promise<ReadonlySet<string>> {
    if (!(await this.connection())) {
      throw new Error(logMessages.redisUnreachable(this.target, 'not connected'));
    }
    try {
      return await this.owners.settle(sink, ids, writer);
    } catch (error) {
      throw new Error(this.redact(describeError(error)));
    }
  }

  /**
   * One batch of what the groups' reads gave: every record once, in stream
   * order, and for each sink only its own group's entries. Entries deleted
   * while pending (drop-oldest) are acknowledged at once.
   */
  private batchOf(read: GroupRead): SourceBatch | undefined {
    const records: MetadataRecord[] = [];
    const forSink = new Map(this.sinks.map((sink) => [sink, [] as MetadataRecord[]]));
    // Every sink acknowledges every batch, so each one's entry is there, maybe empty.
    const ids = new Map(this.sinks.map((sink) => [sink, new Map<string, string[]>()]));
    for (const stream of this.streams) {
      const reads = read
        .filter((r) => r.stream === stream)
        .map(({ group, entries }) => ({ group, ...this.liveEntries(group, stream, entries) }))
        .filter((r) => r.ids.length > 0);
      if (reads.length === 0) continue;
      const { inOrder, byId } = decodeOnce(reads);
      for (const record of inOrder) records.push(record);
      for (const { group, ids: groupIds } of reads) {
        const own = byId ? groupIds.map((id) => byId.get(id)!) : inOrder;
        const list = forSink.get(group)!;
        for (const record of own) list.push(record);
        ids.get(group)!.set(stream, groupIds);
        this.handedOut.add(group, stream, groupIds);
      }
    }
    if (records.length === 0) return undefined;
    const everySinkAll = this.sinks.every((s) => forSink.get(s)!.length === records.length);
    const batch: SourceBatch = everySinkAll ? { records } : { records, forSink };
    this.inFlightBatches.set(batch, { ids, records: records.length });
    this.inFlightRecords += records.length;
    return batch;
  }

  /** A read's entries still in the stream; those deleted while pending are acknowledged at once. */
  private liveEntries(
    group: string,
    stream: string,
    entries: RawEntry[],
  ): { ids: string[]; values: string[] } {
    const ids: string[] = [];
    const values: string[] = [];
    for (const [id, fields] of entries) {
      const value = entryValue(fields);
      if (value === undefined) {
        this.sendAck(group, stream, [id]);
      } else {
        ids.push(id);
        values.push(value);
      }
    }
    return { ids, values };
  }

  private sendAck(sink: string, stream: string, ids: string[]): void {
    if (ids.length === 0) return;
    this.track(
      this.client.xack(stream, sink, ...ids).then(
        () => {
          this.handedOut.acknowledged(sink, stream, ids);
          this.trimSoon();
        },
        (error: unknown) => {
          this.logger.warn(
            logMessages.redisAckFailed(sink, ids.length, this.redact(describeError(error))),
          );
          this.unacknowledged.push({ sink, stream, ids });
        },
      ),
    );
  }

  /** Sends again the acknowledgements that failed; kept until they go through. */
  private async retryAcks(): Promise<void> {
    const failed = this.unacknowledged.splice(0);
    for (const { sink, stream, ids } of failed) this.sendAck(sink, stream, ids);
    while (this.tasks.size > 0 && failed.length > 0) await Promise.allSettled([...this.tasks]);
  }

  private trimSoon(): void {
    if (this.trimDue) return;
    this.trimDue = true;
    setImmediate(() => {
      this.trimDue = false;
      this.track(this.trim().catch(() => undefined));
    });
  }

  /** Deletes what every group has acknowledged, never more (see `trimScript`). */
  private async trim(): Promise<void> {
    const pipeline = streamPipeline(this.client);
    for (const stream of this.streams) pipeline.metaqueueTrim(stream);
    await pipeline.exec();
  }

  private onAppended(records: number): void {
    if (!this.watcher) return;
    this.appendedSinceWatch += records;
    if (this.appendedSinceWatch < this.watcher.threshold) return;
    this.appendedSinceWatch = 0;
    this.watcher.listener();
  }

  private track(task: Promise<unknown>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task)).catch(() => undefined);
  }

  private onConnectionError(error: Error): void {
    this.logUnreachable(error);
    // Publishes waiting for the first connection now meet their policy.
    this.publisher.requestSend();
  }

  private logUnreachable(error: unknown): void {
    if (this.unreachable) return;
    this.unreachable = true;
    this.logger.error(logMessages.redisUnreachable(this.target, this.redact(describeError(error))));
  }

  private onReady(): void {
    if (this.unreachable) this.logger.log(logMessages.redisReachable(this.target));
    // A reply lost with the old connection may have handed this consumer entries.
    if (this.sinks.length > 0) this.recoverOwnPending();
    this.unreachable = false;
    this.publisher.requestSend();
  }

  private redact(text: string): string {
    return redactCredentials(text, this.options);
  }
}

/**
 * One stream's records from its groups' reads, each decoded once, in entry
 * order. The groups usually read the same entries (they are read in step):
 * then the first group's list is the order. Otherwise `byId` finds each
 * group's records in the merged, sorted list.
 */
function decodeOnce(reads: { ids: string[]; values: string[] }[]): {
  inOrder: MetadataRecord[];
  byId?: Map<string, MetadataRecord>;
} {
  const [first, ...others] = reads;
  if (others.every((r) => sameIds(r.ids, first.ids))) {
    return { inOrder: first.values.map((value) => decodeRecord(value)) };
  }
  const byId = new Map<string, MetadataRecord>();
  for (const { ids, values } of reads) {
    ids.forEach((id, i) => {
      if (!byId.has(id)) byId.set(id, decodeRecord(values[i]));
    });
  }
  const inOrder = [...byId.keys()].sort(compareEntryIds).map((id) => byId.get(id)!);
  return { inOrder, byId };
}

function sameIds(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** Stream entry ids (`ms-seq`) in the stream's order. */
function compareEntryIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/** XREADGROUP's reply for one group: [[stream, entries], …], or null when there is nothing. */
function groupRead(group: string, reply: unknown): GroupRead {
  return ((reply as [string, RawEntry[]][] | null) ?? []).map(([stream, entries]) => ({
    group,
    stream,
    entries,
  }));
}

/** XINFO's flat [name, value, …] list as an object. */
function fieldsOf(list: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i < list.length; i += 2) fields[String(list[i])] = list[i + 1];
  return fields;
}
