import { randomBytes, randomUUID } from 'node:crypto';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { encodeRecord } from '../record-codec.js';
import { streamPipeline, type RedisConnection } from './redis-connection.js';
import type { StreamJournal, StreamLane } from './stream-journal.js';
import { refusalOf, type StreamRefusals } from './stream-refusals.js';

/** Most records one script appends: a script blocks Redis while it runs. */
const MAX_RECORDS_PER_APPEND = 1_000;
/** How soon an append whose answer was lost is sent again. */
const LOST_RETRY_MS = 20;

/** One append: a topic's records, and the once-key that makes sending it again safe. */
interface Append {
  lane: StreamLane;
  records: MetadataRecord[];
  onceKey: string;
}

/**
 * Sends what the journal's queues hold to Redis, all in one pipeline per
 * tick: one round trip however many records were published in that tick.
 * The journal settles each publish from Redis's answer for its record. An
 * append whose answer was lost (the connection broke) is sent again as it
 * was, and Redis answers it from its once-key, so no record is appended twice.
 * An append Redis refused (an error reply) is the journal's to settle under
 * the topic's policy, and `StreamRefusals` logs and counts it.
 */
export class StreamPublisher {
  private scheduled = false;
  private sending?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private unanswered: Append[] = [];
  /**
   * Tags the entries this process appends under `drop-oldest`, so that the
   * append script tells this process's entries it pushes out from another
   * publisher's.
   */
  private readonly publisherTag = randomBytes(9).toString('base64url');

  constructor(
    private readonly connection: RedisConnection,
    private readonly journal: StreamJournal,
    private readonly refusals: StreamRefusals,
    private readonly onAppended: (records: number) => void,
  ) {}

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
    if (!this.connection.connected) {
      // Still connecting, they wait for 'ready'; unreachable, the policies act.
      if (!this.connection.available) this.journal.refuseWaiting();
      return;
    }
    const appends = this.unanswered.splice(0);
    for (const lane of this.journal.all()) {
      const records = this.journal.take(lane);
      for (let i = 0; i < records.length; i += MAX_RECORDS_PER_APPEND) {
        const chunk = records.slice(i, i + MAX_RECORDS_PER_APPEND);
        appends.push({ lane, records: chunk, onceKey: `${lane.stream}:once:${randomUUID()}` });
      }
    }
    if (appends.length > 0) await this.append(appends);
    this.scheduleNext();
  }

  /** Sends `appends` in one pipeline, and hands each answer to the journal. */
  private async append(appends: Append[]): Promise<void> {
    const pipeline = streamPipeline(this.connection.client);
    for (const { lane, records, onceKey } of appends) {
      pipeline.metaqueueAppend(
        lane.stream,
        onceKey,
        lane.maxLen,
        lane.queue.overflow,
        this.publisherTag,
        ...records.map((record) => encodeRecord(record)),
      );
    }
    let replies: [Error | null, unknown][];
    try {
      replies = (await pipeline.exec()) ?? [];
    } catch {
      replies = [];
    }
    appends.forEach((append, i) => {
      const [error, reply] = replies[i] ?? [new Error('no reply')];
      const { lane, records } = append;
      if (error) {
        const refusal = refusalOf(error, this.connection);
        if (!refusal) return void this.unanswered.push(append);
        this.refusals.refused(lane.stream, 'append', refusal);
        this.journal.refused(lane, records, { stream: lane.stream, command: 'append', ...refusal });
        return;
      }
      this.refusals.accepted(lane.stream, 'append');
      const [appended, evictedOurs, evictedOthers] = reply as [number, string[], number];
      if (appended > 0) this.onAppended(appended);
      this.journal.answered(lane, records, appended, evictedOurs, evictedOthers);
    });
  }

  /** A send when answers were lost, or held records are due; or now, for records queued behind. */
  private scheduleNext(): void {
    const resendIn = this.unanswered.length > 0 ? LOST_RETRY_MS : this.journal.resendIn();
    if (resendIn !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.requestSend(), resendIn);
    } else if (this.journal.waiting > 0) {
      // Records queued behind those held for room: their publishes asked for a send already.
      this.requestSend();
    }
  }
}
