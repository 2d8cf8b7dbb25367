import type { MetadataRecord } from '../../record/metadata.interface.js';
import type { SourceBatch } from '../record-source.interface.js';
import type { HandedOutEntries } from './handed-out-entries.js';
import type { StreamAcknowledger } from './stream-acknowledger.js';
import type { ForeignEntry, StreamDeadLetters } from './stream-dead-letters.js';
import { readEntry, type EntryFault } from './stream-entry.js';
import type { StreamGroups } from './stream-groups.js';
import type { GroupRead, RawEntry } from './stream-replies.js';

/** A batch handed out and not yet acknowledged by every sink. */
interface BatchInFlight {
  /** Per sink, the entry ids to acknowledge, by stream. */
  readonly ids: Map<string, Map<string, string[]>>;
  readonly records: number;
}

/**
 * Cuts the batches the broker reads out of the groups' reads, and keeps
 * each one until every sink has acknowledged it: which entries of which
 * stream each sink's acknowledgement covers.
 */
export class StreamBatches {
  /** Records in batches some sink has not acknowledged. */
  records = 0;
  private readonly inFlight = new Map<SourceBatch, BatchInFlight>();

  constructor(
    private readonly groups: StreamGroups,
    private readonly handedOut: HandedOutEntries,
    private readonly acks: StreamAcknowledger,
    private readonly deadLetters: StreamDeadLetters,
  ) {}

  /**
   * One batch of what the groups' reads gave: every record once, in stream
   * order, and for each sink only its own group's entries. Entries deleted
   * while pending (drop-oldest) are acknowledged at once; entries that hold
   * no record are moved to the dead-letter stream, and the rest flows.
   */
  async of(read: GroupRead): Promise<SourceBatch | undefined> {
    const { sinks, streams } = this.groups;
    const records: MetadataRecord[] = [];
    const forSink = new Map(sinks.map((sink) => [sink, [] as MetadataRecord[]]));
    // Every sink acknowledges every batch, so each one's entry is there, maybe empty.
    const ids = new Map(sinks.map((sink) => [sink, new Map<string, string[]>()]));
    const foreign: ForeignEntry[] = [];
    for (const stream of streams) {
      const reads = read
        .filter((r) => r.stream === stream)
        .map(({ group, entries }) => ({ group, entries: this.liveEntries(group, stream, entries) }))
        .filter((r) => r.entries.length > 0);
      if (reads.length === 0) continue;
      const decoded = decodeOnce(reads);
      for (const record of decoded.inOrder) records.push(record);
      for (const { id, fields, fault } of decoded.foreign)
        foreign.push({ stream, id, fields, fault });
      const isForeign = new Set(decoded.foreign.map((f) => f.id));
      for (const { group, entries } of reads) {
        const groupIds = entries.map(([id]) => id).filter((id) => !isForeign.has(id));
        if (groupIds.length === 0) continue;
        const own = decoded.byId ? groupIds.map((id) => decoded.byId!.get(id)!) : decoded.inOrder;
        const list = forSink.get(group)!;
        for (const record of own) list.push(record);
        ids.get(group)!.set(stream, groupIds);
        this.handedOut.add(group, stream, groupIds);
      }
    }
    await this.deadLetters.moveAside(foreign);
    if (records.length === 0) return undefined;
    const everySinkAll = sinks.every((s) => forSink.get(s)!.length === records.length);
    const batch: SourceBatch = everySinkAll ? { records } : { records, forSink };
    this.inFlight.set(batch, { ids, records: records.length });
    this.records += records.length;
    return batch;
  }

  /** `sink` has the batch: its group acknowledges the batch's entries; the last sink lets it go. */
  acknowledge(sink: string, batch: SourceBatch): void {
    const inFlight = this.inFlight.get(batch);
    const ids = inFlight?.ids.get(sink);
    if (!inFlight || !ids) return;
    inFlight.ids.delete(sink);
    for (const [stream, entryIds] of ids) this.acks.acknowledge(sink, stream, entryIds);
    if (inFlight.ids.size > 0) return;
    this.inFlight.delete(batch);
    this.records -= inFlight.records;
  }

  /**
   * A read's entries still in the stream. Those deleted while pending (their
   * fields are nil) are acknowledged at once; an entry with fields is live,
   * whatever they are.
   */
  private liveEntries(group: string, stream: string, entries: RawEntry[]): LiveEntry[] {
    const live: LiveEntry[] = [];
    for (const [id, fields] of entries) {
      if (fields) live.push([id, fields]);
      else this.acks.acknowledge(group, stream, [id]);
    }
    return live;
  }
}

type LiveEntry = [id: string, fields: string[]];

/**
 * One stream's records from its groups' reads, each decoded once, in entry
 * order, and the entries that hold none. The groups usually read the same
 * entries (they are read in step): then the first group's list is the
 * order. Otherwise `byId` finds each group's records in the merged, sorted
 * list.
 */
function decodeOnce(reads: { entries: LiveEntry[] }[]): {
  inOrder: MetadataRecord[];
  byId?: Map<string, MetadataRecord>;
  foreign: { id: string; fields: string[]; fault: EntryFault }[];
} {
  const foreign: { id: string; fields: string[]; fault: EntryFault }[] = [];
  const [first, ...others] = reads;
  if (others.every((r) => sameIds(r.entries, first.entries))) {
    const inOrder: MetadataRecord[] = [];
    for (const [id, fields] of first.entries) {
      const entry = readEntry(fields);
      if ('record' in entry) inOrder.push(entry.record);
      else foreign.push({ id, fields, fault: entry.fault });
    }
    return { inOrder, foreign };
  }
  const byId = new Map<string, MetadataRecord>();
  const seen = new Set<string>();
  for (const { entries } of reads) {
    for (const [id, fields] of entries) {
      if (seen.has(id)) continue;
      seen.add(id);
      const entry = readEntry(fields);
      if ('record' in entry) byId.set(id, entry.record);
      else foreign.push({ id, fields, fault: entry.fault });
    }
  }
  const inOrder = [...byId.keys()].sort(compareEntryIds).map((id) => byId.get(id)!);
  return { inOrder, byId, foreign };
}

function sameIds(a: LiveEntry[], b: LiveEntry[]): boolean {
  return a.length === b.length && a.every(([id], i) => id === b[i][0]);
}

/** Stream entry ids (`ms-seq`) in the stream's order. */
function compareEntryIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}
