import { randomUUID } from 'node:crypto';
import { streamPipeline, type StreamClient } from './redis-connection.js';
import { decodeRecord, encodeRecord } from '../record-codec.js';
import type { OutboxEntry, OutboxLink, StreamOutbox } from './stream-outbox.js';

/** Most records one script appends: a script blocks Redis while it runs. */
const MAX_RECORDS_PER_APPEND = 1_000;
/** How soon publishes that found their stream full (`block`) try again. */
const FULL_RETRY_MS = 20;

/** One append: a topic's records, and the once-key that makes sending it again safe. */
interface Append {
  outbox: StreamOutbox;
  entries: OutboxEntry[];
  onceKey: string;
}

/**
 * Sends every topic's waiting publishes to Redis, all in one pipeline per
 * tick: one round trip however many records were published in that tick.
 * Each publish settles when Redis has answered for its record. An append
 * whose answer was lost (the connection broke) is sent again as it was, and
 * Redis answers it from its once-key, so no record is appended twice.
 */
export class StreamPublisher {
  private scheduled = false;
  private sending?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private unanswered: Append[] = [];

  constructor(
    private readonly client: StreamClient,
    private readonly outboxes: readonly StreamOutbox[],
    private readonly link: OutboxLink,
    private readonly onAppended: (records: number) => void,
  ) {}

  /** Connected and ready for commands now. */
  get connected(): boolean {
    return this.client.status === 'ready';
  }

  /** A send on the next tick, unless one is already due. */
  requestSend(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.send();
    });
  }

  /** Resolves when no send is under way. */
  async idle(): Promise<void> {
    while (this.sending) await this.sending;
  }

  stop(): void {
    clearTimeout(this.retryTimer);
  }

  private send(): Promise<void> {
    if (this.sending) {
      // The send under way asks for another when it ends.
      this.sending.then(
        () => this.requestSend(),
        () => this.requestSend(),
      );
      return this.sending;
    }
    this.sending = this.sendOnce().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async sendOnce(): Promise<void> {
    if (!this.connected) {
      // Still connecting, they wait for 'ready'; unreachable, the policies act.
      if (!this.link.available) for (const outbox of this.outboxes) outbox.failWaiting();
      return;
    }
    const appends = this.unanswered.splice(0);
    for (const outbox of this.outboxes) {
      for (
        let entries = outbox.take(MAX_RECORDS_PER_APPEND);
        entries.length > 0;
        entries = outbox.take(MAX_RECORDS_PER_APPEND)
      ) {
        appends.push({ outbox, entries, onceKey: `${outbox.stream}:once:${randomUUID()}` });
      }
    }
    if (appends.length === 0) return;
    const pipeline = streamPipeline(this.client);
    for (const { outbox, entries, onceKey } of appends) {
      pipeline.metaqueueAppend(
        outbox.stream,
        onceKey,
        outbox.maxLen,
        outbox.overflow,
        ...entries.map((e) => encodeRecord(e.record)),
      );
    }
    let replies: [Error | null, unknown][];
    try {
      replies = (await pipeline.exec()) ?? [];
    } catch {
      replies = [];
    }
    let waitForRoom = false;
    appends.forEach((append, i) => {
      const [error, reply] = replies[i] ?? [new Error('no reply')];
      if (error) {
        this.unanswered.push(append);
        return;
      }
      waitForRoom = this.settle(append, reply as [number, string[]]) || waitForRoom;
    });
    if (this.unanswered.length > 0 || waitForRoom) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.requestSend(), FULL_RETRY_MS);
    }
  }

  /** Settles an append's publishes from Redis's answer; true if some wait for room. */
  private settle({ outbox, entries }: Append, [appended, evicted]: [number, string[]]): boolean {
    if (appended > 0) this.onAppended(appended);
    if (outbox.overflow === 'drop-oldest' && appended > 0) {
      this.settleDroppingOldest(entries, appended, evicted);
      return false;
    }
    entries.slice(0, appended).forEach((entry) => entry.settle('accepted'));
    const unfit = entries.slice(appended);
    if (unfit.length === 0) return false;
    const outcome = outbox.whenFull();
    if (outcome) {
      for (const entry of unfit) entry.settle(outcome);
      return false;
    }
    outbox.putBack(unfit);
    return true;
  }

  /**
   * The last `appended` records are in, in place of the `evicted` entries and
   * of the batch's own first records: as if each record, one by one, had
   * pushed out the oldest. So `accepted` stays level for each record dropped.
   */
  private settleDroppingOldest(entries: OutboxEntry[], appended: number, evicted: string[]): void {
    const onEvicted = entries[0].onEvicted;
    for (const value of evicted) onEvicted(decodeRecord(value));
    const droppedHere = entries.length - appended;
    for (const entry of entries.slice(0, droppedHere)) onEvicted(entry.record);
    const accepted = appended - evicted.length;
    entries.forEach((entry, i) => entry.settle(i < accepted ? 'accepted' : 'dropped-oldest'));
  }
}
