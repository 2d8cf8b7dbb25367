import { randomUUID } from 'node:crypto';
import { streamPipeline, type StreamClient } from './redis-connection.js';
import { readEntry } from './stream-entry.js';

/** Records per script call: each call holds Redis for a moment only. */
const CHUNK = 1_000;

/**
 * The ownership register in Redis (see `claimOwnersScript`): per sink that
 * keeps a copy (a file), which worker's copy keeps a record read again after
 * a crash. A claimer registers a record as its own before writing it, unless
 * a recovered copy already keeps it; the recovery of a crashed copy keeps a
 * record unless another writer claimed it. Only claims, a consumer's own
 * pending entries read again, and recoveries consult it: fresh reads never.
 * Each key lives `ttlMs`.
 */
export class RecordOwners {
  /** This run's name as a writer: a consumer's name (`hostname:pid`) may come again after a restart. */
  readonly writer: string;
  private readonly tracked = new Set<string>();

  constructor(
    private readonly client: StreamClient,
    private readonly streams: readonly string[],
    private readonly keyPrefix: string,
    private readonly ttlMs: number,
    consumer: string,
  ) {
    this.writer = `${consumer}/${randomUUID()}`;
  }

  /** Registers from now on the records claimed for `sink`; returns this run's writer name. */
  track(sink: string): string {
    this.tracked.add(sink);
    return this.writer;
  }

  tracks(sink: string): boolean {
    return this.tracked.has(sink);
  }

  /**
   * For each sink's records read again, whether to write each (in order):
   * `false` for those a recovered copy keeps; the others are now this run's.
   */
  async claim(claims: { sink: string; recordIds: string[] }[]): Promise<boolean[][]> {
    const pipeline = streamPipeline(this.client);
    for (const { sink, recordIds } of claims) {
      const keys = recordIds.map((id) => this.keyOf(sink, id));
      pipeline.metaqueueClaimOwners(keys.length, ...keys, this.writer, this.ttlMs);
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, write]) => {
      if (error) throw error;
      return (write as number[]).map((w) => w === 1);
    });
  }

  /** Of the ids a crashed copy written by `writer` holds, those it keeps (see `settleOwnersScript`). */
  async settle(
    sink: string,
    ids: readonly string[],
    writer: string | undefined,
  ): Promise<Set<string>> {
    const pending = await this.pendingRecordIds(sink);
    const pipeline = streamPipeline(this.client);
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const keys = chunk.map((id) => this.keyOf(sink, id));
      const stillPending = chunk.map((id) => (pending.has(id) ? '1' : '0'));
      pipeline.metaqueueSettleOwners(
        keys.length,
        ...keys,
        writer ?? '',
        this.ttlMs,
        ...stillPending,
      );
    }
    const replies = (await pipeline.exec()) ?? [];
    const kept = new Set<string>();
    replies.forEach(([error, keep], chunk) => {
      if (error) throw error;
      (keep as number[]).forEach((k, i) => {
        if (k === 1) kept.add(ids[chunk * CHUNK + i]);
      });
    });
    return kept;
  }

  /**
   * The records whose entries are pending in the sink's group, by any
   * consumer: only those can still be claimed. An entry acknowledged stays
   * so, so a record pending neither now nor later needs no mark.
   */
  private async pendingRecordIds(sink: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const stream of this.streams) {
      let from = '-';
      for (;;) {
        const page = await pendingPage(this.client, stream, sink, from);
        if (page.length === 0) break;
        const pipeline = this.client.pipeline();
        for (const [id] of page) pipeline.xrange(stream, id, id);
        for (const [error, entries] of (await pipeline.exec()) ?? []) {
          if (error) throw error;
          for (const [, fields] of entries as [string, string[]][]) {
            // A foreign entry holds no record a copy could keep.
            const entry = readEntry(fields);
            if ('record' in entry) ids.add(entry.record.id);
          }
        }
        if (page.length < CHUNK) break;
        from = `(${page[page.length - 1][0]}`;
      }
    }
    return ids;
  }

  private keyOf(sink: string, recordId: string): string {
    return `${this.keyPrefix}owner:${sink}:${recordId}`;
  }
}

/** One page of the group's pending entries from `from`; none when the stream or group is gone. */
async function pendingPage(
  client: StreamClient,
  stream: string,
  group: string,
  from: string,
): Promise<[id: string, ...rest: unknown[]][]> {
  try {
    return (await client.xpending(stream, group, from, '+', CHUNK)) as [string][];
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOGROUP')) return [];
    throw error;
  }
}
