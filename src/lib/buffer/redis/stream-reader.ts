import type { BatchReader, SourceBatch } from '../record-source.interface.js';
import type { GoneConsumers } from './gone-consumers.js';
import type { HandedOutEntries } from './handed-out-entries.js';
import type { RecordOwners } from './record-owners.js';
import type { ResolvedRedisBufferOptions } from './redis-buffer-options.js';
import type { RedisConnection } from './redis-connection.js';
import type { StreamAcknowledger } from './stream-acknowledger.js';
import type { StreamBatches } from './stream-batches.js';
import { readEntry } from './stream-entry.js';
import type { StreamGroups } from './stream-groups.js';
import { groupRead, type GroupRead, type RawEntry } from './stream-replies.js';
import { refusalOf, type StreamRefusals } from './stream-refusals.js';

/** Where `XAUTOCLAIM` goes on in each group's stream. */
const START = '0-0';
/** How soon groups Redis refused to make are tried again: backing off to the max. */
const GROUPS_RETRY_MS = { first: 100, max: 5_000 };

/**
 * Reads what any group has for this consumer, each sink getting only its own
 * group's entries: first what this consumer left pending before a restart,
 * then entries another consumer left idle past `claimIdleMs` (`XAUTOCLAIM`),
 * then new entries, read for every group in one transaction so the groups
 * stay in step. Entries read again (claimed, or this consumer's own) go
 * through the ownership register for the sinks that keep a copy.
 */
export class StreamReader {
  private groupsReady = false;
  /** When groups Redis refused to make are tried again, and how many times in a row it refused. */
  private groupsRetry = { at: 0, refusedInARow: 0 };
  /** Per group and stream, how far the read of this consumer's own pending entries got. */
  private recovery?: Map<string, Map<string, string>>;
  private readonly claimCursors = new Map<string, string>();
  private claimDueAt = 0;
  /** The read `reader()` started ahead, until a `next()` takes it. */
  private readAhead?: Promise<SourceBatch | undefined>;

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: Pick<ResolvedRedisBufferOptions, 'consumer' | 'claimIdleMs'>,
    private readonly groups: StreamGroups,
    private readonly batches: StreamBatches,
    private readonly handedOut: HandedOutEntries,
    private readonly owners: RecordOwners,
    private readonly acks: StreamAcknowledger,
    private readonly gone: GoneConsumers,
    private readonly refusals: StreamRefusals,
  ) {}

  /** Makes the groups, once the sinks are named; a Redis that cannot be reached is logged, not thrown. */
  async start(): Promise<void> {
    this.recoverOwnPending();
    await this.createGroups().catch((error: unknown) => this.connection.lost(error));
  }

  /**
   * Has the next reads go through what this consumer was handed and never
   * acknowledged: before a restart, or in a reply a cut connection lost.
   */
  recoverOwnPending(): void {
    const { sinks, streams } = this.groups;
    this.recovery = new Map(sinks.map((sink) => [sink, new Map(streams.map((s) => [s, START]))]));
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

  /**
   * Makes every sink's group on every stream. Where Redis refuses (a key of
   * another type), that stream is left out of the reads and tried again
   * with backoff; the other streams are read meanwhile. A lost answer throws.
   */
  private async createGroups(): Promise<void> {
    if (!this.connection.connected) return;
    const { sinks, streams } = this.groups;
    const pairs = sinks.flatMap((group) => streams.map((stream) => ({ group, stream })));
    const pipeline = this.connection.client.pipeline();
    for (const { group, stream } of pairs) {
      pipeline.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    }
    const replies = (await pipeline.exec()) ?? [];
    const refused = new Map<string, NonNullable<ReturnType<typeof refusalOf>>>();
    pairs.forEach(({ stream }, i) => {
      const [error] = replies[i] ?? [new Error('no reply')];
      if (!error || error.message.startsWith('BUSYGROUP')) return;
      const refusal = refusalOf(error, this.connection);
      if (!refusal) throw error;
      refused.set(stream, refusal);
    });
    for (const stream of streams) {
      const refusal = refused.get(stream);
      if (refusal) this.refusals.refused(stream, 'create-group', refusal);
      else this.refusals.accepted(stream, 'create-group');
    }
    this.groups.unreadable = new Set(refused.keys());
    this.groupsReady = refused.size === 0;
    const { first, max } = GROUPS_RETRY_MS;
    const retry = this.groupsRetry;
    retry.refusedInARow = this.groupsReady ? 0 : retry.refusedInARow + 1;
    retry.at = Date.now() + Math.min(max, first * 2 ** (retry.refusedInARow - 1));
  }

  private readBatch(max: number): Promise<SourceBatch | undefined> {
    return this.handedOut.reading(() => this.read(max));
  }

  private async read(max: number): Promise<SourceBatch | undefined> {
    // Nothing can be read now; the next pass after Redis returns reads it all.
    if (!(await this.connection.ready())) return undefined;
    if (!this.groupsReady && Date.now() >= this.groupsRetry.at) await this.createGroups();
    try {
      return await this.readGroups(max);
    } catch (error) {
      if (!isGroupsLost(error, this.connection)) throw error;
      // The streams are gone (a Redis without persistence restarted), or a key now holds
      // another type: make the groups again, which leaves out a stream Redis refuses.
      await this.createGroups();
    }
    try {
      return await this.readGroups(max);
    } catch (error) {
      // A key changed again while the groups were made: this pass ends, the next makes them.
      if (!isGroupsLost(error, this.connection)) throw error;
      this.groupsReady = false;
      return undefined;
    }
  }

  private async readGroups(max: number): Promise<SourceBatch | undefined> {
    await this.acks.retryFailed();
    if (this.groups.readable().length === 0) return undefined;
    const count = Math.max(1, Math.ceil(max / this.groups.streams.length));
    if (this.recovery) {
      const pending = await this.readOwnPending(count);
      if (pending) return pending;
      this.recovery = undefined;
    }
    if (Date.now() >= this.claimDueAt) {
      const claimed = await this.claim(count);
      if (claimed) return claimed;
    }
    return await this.batches.of(await this.readEveryGroup(count, () => '>'));
  }

  /** One XREADGROUP per group, from `from(group, stream)`, in one transaction: the groups stay in step. */
  private async readEveryGroup(
    count: number,
    from: (group: string, stream: string) => string,
  ): Promise<GroupRead> {
    const { sinks } = this.groups;
    const streams = this.groups.readable();
    const reads = this.connection.client.multi();
    for (const group of sinks) {
      reads.xreadgroup(
        'GROUP',
        group,
        this.options.consumer,
        'COUNT',
        count,
        'STREAMS',
        ...streams,
        ...streams.map((stream) => from(group, stream)),
      );
    }
    const replies = (await reads.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    return sinks.flatMap((group, i) => groupRead(group, replies[i]?.[1]));
  }

  /** The next of this consumer's pending entries, less those under way here. */
  private async readOwnPending(count: number): Promise<SourceBatch | undefined> {
    for (;;) {
      const read = await this.readOwnPendingPage(count);
      if (read.length === 0) return undefined;
      const batch = await this.batches.of(read);
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

  /** Entries another consumer left pending past `claimIdleMs`: it died, or hangs. */
  private async claim(count: number): Promise<SourceBatch | undefined> {
    const pipeline = this.connection.client.pipeline();
    const pairs = this.groups.pairs();
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
      this.gone.forgetIfDue();
    }
    await this.leaveOutOwned(read);
    return await this.batches.of(read);
  }

  /**
   * Entries read again after a crash, for each sink that keeps a copy:
   * those a crashed worker's recovered copy keeps are left out (and
   * acknowledged); the others are registered as this run's before the sink
   * writes them, so that copy's later recovery drops them.
   */
  private async leaveOutOwned(read: GroupRead): Promise<void> {
    // Only records: an entry that holds none is moved aside as the batch is made.
    const owned = read
      .filter(({ group }) => this.owners.tracks(group))
      .map((r) => ({ ...r, live: recordsIn(r.entries) }))
      .filter(({ live }) => live.length > 0);
    if (owned.length === 0) return;
    const writes = await this.owners.claim(
      owned.map(({ group, live }) => ({ sink: group, recordIds: live.map(([, id]) => id) })),
    );
    owned.forEach(({ group, stream, entries, live }, i) => {
      const keptByCopy = new Set(live.filter((_, j) => !writes[i][j]).map(([entryId]) => entryId));
      if (keptByCopy.size === 0) return;
      this.acks.acknowledge(group, stream, [...keptByCopy]);
      entries.splice(0, entries.length, ...entries.filter(([id]) => !keptByCopy.has(id)));
    });
  }
}

/** Whether Redis answered that a stream's groups are gone, or that its key holds another type. */
function isGroupsLost(error: unknown, connection: RedisConnection): boolean {
  const code = refusalOf(error, connection)?.code;
  return code === 'NOGROUP' || code === 'WRONGTYPE';
}

/** The entries that hold a record, as [entry id, record id]. */
function recordsIn(entries: RawEntry[]): [entryId: string, recordId: string][] {
  return entries.flatMap(([entryId, fields]): [string, string][] => {
    const entry = fields && readEntry(fields);
    return entry && 'record' in entry ? [[entryId, entry.record.id]] : [];
  });
}
