import type { MetaQueue } from '../../queue/meta-queue.js';
import { refusal } from '../../queue/overflow-refusal.js';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { readRecord } from '../record-codec.js';
import type { JournalOutcome, RecordJournal } from '../record-journal.interface.js';
import type { StreamRefusal } from '../source-report.interface.js';
import type { RedisConnection } from './redis-connection.js';

/** One topic's queue, and the stream its records are appended to. */
export interface StreamLane {
  readonly queue: MetaQueue;
  readonly stream: string;
  /** The stream's own bound, which the append script applies. */
  readonly maxLen: number;
  /**
   * Records that found the stream full, or their append refused (`block`):
   * sent again first, not before `resendAt`; meanwhile the queue fills.
   */
  readonly held: MetadataRecord[];
  resendAt: number;
  /** Appends Redis refused in a row: the next resend waits twice as long. */
  refusedInARow: number;
}

/** How soon records held for room in a full stream are sent again. */
const FULL_RETRY_MS = 20;
/** How soon records held because Redis refused their append are sent again: backing off to the max. */
const REFUSED_RETRY_MS = { first: 20, max: 2_000 };

/** A publish whose record is queued, held or on its way to Redis. */
interface Publish {
  resolve(outcome: JournalOutcome): void;
  onEvicted(evicted: MetadataRecord): void;
  /** Sent: its block timeout no longer settles it, Redis's answer does. */
  sending: boolean;
  /** Its block timeout passed while it was being sent. */
  expired: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * The topics' streams as the journal behind their queues: a publish settles
 * with Redis's answer for its record. The queues' own bound and policies act
 * as in memory (see `JournaledIntake`); what is left here is the policy at
 * the stream's bound, which only Redis's answer reveals, and `block`'s time
 * limit for a record already queued while Redis is away or the stream full.
 * The publisher takes the records to send from here.
 */
export class StreamJournal implements RecordJournal {
  private readonly lanes = new Map<string, StreamLane>();
  private readonly publishes = new Map<MetadataRecord, Publish>();
  private closed = false;
  /** Per stream, entries `drop-oldest` pushed out that this process did not publish. */
  readonly evictedOthers: Record<string, number> = {};

  constructor(
    private readonly connection: RedisConnection,
    private readonly requestSend: () => void,
  ) {}

  get available(): boolean {
    return this.connection.available;
  }

  /** Publishes not yet appended: queued, or held for room. */
  get waiting(): number {
    let waiting = 0;
    for (const { queue, held } of this.lanes.values()) waiting += queue.size + held.length;
    return waiting;
  }

  /** The topic's records go from `queue` to `stream`, bounded there by `maxLen`. */
  add(topic: string, queue: MetaQueue, stream: string, maxLen: number): void {
    this.lanes.set(topic, { queue, stream, maxLen, held: [], resendAt: 0, refusedInARow: 0 });
  }

  all(): Iterable<StreamLane> {
    return this.lanes.values();
  }

  written(
    record: MetadataRecord,
    onEvicted: (evicted: MetadataRecord) => void,
  ): Promise<JournalOutcome> {
    if (this.closed) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const publish: Publish = { resolve, onEvicted, sending: false, expired: false };
      const { overflow, blockTimeoutMs } = this.lanes.get(record.topic)!.queue;
      if (overflow === 'block' && blockTimeoutMs !== undefined) {
        // Counted from the publish, so the wait for room in the queue counts too.
        const left = blockTimeoutMs - (Date.now() - record.publishedAt.getTime());
        publish.timer = setTimeout(() => this.timedOut(record, publish), Math.max(0, left));
      }
      this.publishes.set(record, publish);
      this.requestSend();
    });
  }

  evicted(record: MetadataRecord): void {
    this.settle(record, 'evicted');
  }

  /**
   * The lane's records to send now, marked as sent: those held, once their
   * time to be sent again has come, or else all its queue holds (one take per
   * send: a publish a take lets in has registered by the next). Those whose
   * publish timed out are left out.
   */
  take(lane: StreamLane): MetadataRecord[] {
    if (lane.held.length > 0 && Date.now() < lane.resendAt) return [];
    const records = lane.held.length > 0 ? lane.held.splice(0) : lane.queue.take();
    return (records as MetadataRecord[]).filter((record) => {
      const publish = this.publishes.get(record);
      if (publish) publish.sending = true;
      return publish !== undefined;
    });
  }

  /**
   * Settles an append's publishes from Redis's answer: the first `appended`
   * are in (with `drop-oldest`, after deleting `evictedOurs`, the values of
   * entries this process published, and `evictedOthers` entries it did not);
   * the others meet the policy, or wait for room (`block`).
   */
  answered(
    lane: StreamLane,
    records: MetadataRecord[],
    appended: number,
    evictedOurs: string[],
    evictedOthers: number,
  ): void {
    lane.refusedInARow = 0;
    const { overflow } = lane.queue;
    if (overflow === 'drop-oldest' && appended > 0) {
      this.settleDroppingOldest(lane, records, appended, evictedOurs, evictedOthers);
      return;
    }
    for (const record of records.slice(0, appended)) this.settle(record, 'written');
    this.unsent(lane, records.slice(appended), refusal(overflow, 'full'), FULL_RETRY_MS);
  }

  /**
   * Redis answered the append of `records` with an error: `error` rejects
   * them with Redis's reason, the drop policies drop them (nothing older can
   * be pushed out of a stream Redis will not change), and `block` holds them,
   * sent again after a delay that doubles while Redis keeps refusing.
   */
  refused(lane: StreamLane, records: MetadataRecord[], why: StreamRefusal): void {
    const { overflow } = lane.queue;
    const outcome =
      overflow === 'error' ? { refused: why } : overflow === 'block' ? undefined : 'dropped-newest';
    const { first, max } = REFUSED_RETRY_MS;
    const delay = Math.min(max, first * 2 ** lane.refusedInARow++);
    this.unsent(lane, records, outcome, delay);
  }

  /** In how many ms records held (`block`) are due to be sent again; `undefined` if none are held. */
  resendIn(): number | undefined {
    let soonest: number | undefined;
    for (const { held, resendAt } of this.lanes.values()) {
      if (held.length > 0) soonest = Math.min(soonest ?? Infinity, resendAt);
    }
    return soonest === undefined ? undefined : Math.max(0, soonest - Date.now());
  }

  /** Redis cannot be reached: what waits to be sent meets its policy at once (`block` waits on). */
  refuseWaiting(): void {
    for (const lane of this.lanes.values()) {
      const outcome = refusal(lane.queue.overflow, 'unavailable');
      if (outcome) for (const record of this.take(lane)) this.settle(record, outcome);
    }
  }

  /**
   * Closes the queues, and settles as closed every publish not sent yet;
   * those on the wire still get Redis's answer.
   */
  close(): void {
    this.closed = true;
    for (const { queue, held } of this.lanes.values()) {
      queue.close();
      for (const record of held.splice(0)) this.settle(record, 'closed');
      for (const record of queue.take()) this.settle(record as MetadataRecord, 'closed');
    }
  }

  /**
   * The records that found no room: each meets `outcome`, or is held, to be
   * sent again in `delayMs` (`block`), unless its time is up.
   */
  private unsent(
    lane: StreamLane,
    records: MetadataRecord[],
    outcome: JournalOutcome | undefined,
    delayMs: number,
  ): void {
    for (const record of records) {
      const publish = this.publishes.get(record)!;
      publish.sending = false;
      if (outcome || publish.expired) this.settle(record, outcome ?? 'timeout');
      else lane.held.push(record);
    }
    if (lane.held.length > 0) lane.resendAt = Date.now() + delayMs;
  }

  /**
   * The last `appended` records are in, in place of the evicted entries and
   * of the batch's own first records: as if each record, one by one, had
   * pushed out the oldest. So `accepted` stays level for each record of this
   * engine's dropped; a record that pushed out another publisher's entry is
   * accepted, and that entry counted for the stream, not for this engine.
   */
  private settleDroppingOldest(
    lane: StreamLane,
    records: MetadataRecord[],
    appended: number,
    evictedOurs: string[],
    evictedOthers: number,
  ): void {
    const onEvicted = this.publishes.get(records[0])!.onEvicted;
    const ours = evictedOurs.map(readRecord).filter((record) => record !== undefined);
    for (const record of ours) onEvicted(record);
    if (evictedOthers > 0) {
      this.evictedOthers[lane.stream] = (this.evictedOthers[lane.stream] ?? 0) + evictedOthers;
    }
    const droppedHere = records.length - appended;
    for (const record of records.slice(0, droppedHere)) onEvicted(record);
    const accepted = appended - ours.length;
    records.forEach((record, i) =>
      this.settle(record, i < accepted ? 'written' : 'dropped-oldest'),
    );
  }

  /** `block`'s time is up: a record on the wire waits for Redis's answer, any other gives up. */
  private timedOut(record: MetadataRecord, publish: Publish): void {
    if (publish.sending) publish.expired = true;
    else this.settle(record, 'timeout');
  }

  private settle(record: MetadataRecord, outcome: JournalOutcome): void {
    const publish = this.publishes.get(record);
    if (!publish) return;
    this.publishes.delete(record);
    clearTimeout(publish.timer);
    publish.resolve(outcome);
  }
}
