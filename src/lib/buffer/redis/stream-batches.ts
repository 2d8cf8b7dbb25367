import type { MetadataRecord } from '../../record/metadata.interface.js';
import { decodeRecord } from '../record-codec.js';
import type { SourceBatch } from '../record-source.interface.js';
import type { HandedOutEntries } from './handed-out-entries.js';
import type { StreamAcknowledger } from './stream-acknowledger.js';
import { entryValue } from './stream-entry.js';
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
  ) {}

  /**
   * One batch of what the groups' reads gave: every record once, in stream
   * order, and for each sink only its own group's entries. Entries deleted
   * while pending (drop-oldest) are acknowledged at once.
   */
  of(read: GroupRead): SourceBatch | undefined {
    const { sinks, streams } = this.groups;
    const records: MetadataRecord[] = [];
    const forSink = new Map(sinks.map((sink) => [sink, [] as MetadataRecord[]]));
    // Every sink acknowledges every batch, so each one's entry is there, maybe empty.
    const ids = new Map(sinks.map((sink) => [sink, new Map<string, string[]>()]));
    for (const stream of streams) {
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
        this.acks.acknowledge(group, stream, [id]);
      } else {
        ids.push(id);
        values.push(value);
      }
    }
    return { ids, values };
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
