import type { MetadataRecord } from '../../record/metadata.interface.js';
import type { RecordIntake } from '../record-intake.interface.js';
import { Deque } from '../../queue/deque.js';
import type {
  OfferOutcome,
  OverflowPolicy,
  SettledOffer,
} from '../../queue/meta-queue-options.interface.js';

/** A publish waiting for Redis to acknowledge its record. */
export interface OutboxEntry {
  readonly record: MetadataRecord;
  readonly onEvicted: (evicted: MetadataRecord) => void;
  /** Being sent: its timeout no longer settles it, Redis's answer does. */
  sending: boolean;
  /** Its block timeout passed while it was being sent. */
  expired: boolean;
  settled: boolean;
  settle(outcome: SettledOffer | 'timeout'): void;
  timer?: NodeJS.Timeout;
}

/** What the outbox needs of the connection: whether Redis is up, and a way to ask for a send. */
export interface OutboxLink {
  readonly available: boolean;
  requestSend(): void;
}

/**
 * One topic's publishes on their way into its stream. Each waits here until
 * the next send; while Redis cannot be reached, the overflow policy acts at
 * once, except `block`, which waits (up to `blockTimeoutMs`).
 */
export class StreamOutbox implements RecordIntake {
  private readonly entries = new Deque<OutboxEntry>();
  private closed = false;

  constructor(
    readonly stream: string,
    readonly maxLen: number,
    readonly overflow: OverflowPolicy,
    private readonly blockTimeoutMs: number | undefined,
    private readonly link: OutboxLink,
  ) {}

  /** Publishes waiting for a send. */
  get size(): number {
    return this.entries.size;
  }

  offer(record: MetadataRecord, onEvicted: (evicted: MetadataRecord) => void): OfferOutcome {
    if (this.closed) return 'closed';
    if (!this.link.available && this.overflow !== 'block') return this.whenUnreachable();
    return new Promise((resolve) => {
      const entry: OutboxEntry = {
        record,
        onEvicted,
        sending: false,
        expired: false,
        settled: false,
        settle: (outcome) => {
          if (entry.settled) return;
          entry.settled = true;
          clearTimeout(entry.timer);
          resolve(outcome);
        },
      };
      if (this.overflow === 'block' && this.blockTimeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          if (entry.sending) entry.expired = true;
          else entry.settle('timeout');
        }, this.blockTimeoutMs);
      }
      this.entries.push(entry);
      this.link.requestSend();
    });
  }

  /** Up to `max` unsettled publishes, oldest first, for one send. */
  take(max: number): OutboxEntry[] {
    const taken: OutboxEntry[] = [];
    while (taken.length < max && this.entries.size > 0) {
      const entry = this.entries.shift()!;
      if (entry.settled) continue;
      entry.sending = true;
      taken.push(entry);
    }
    return taken;
  }

  /** Publishes that found the stream full and wait for room (`block`): first in line again. */
  putBack(entries: OutboxEntry[]): void {
    const rest = this.entries.take(Infinity);
    for (const entry of entries) {
      entry.sending = false;
      if (entry.expired) entry.settle('timeout');
      else this.entries.push(entry);
    }
    for (const entry of rest) this.entries.push(entry);
  }

  /** Redis went away before these were sent: the policy acts (`block` keeps waiting). */
  failWaiting(): void {
    if (this.overflow === 'block') return;
    for (const entry of this.entries.take(Infinity)) entry.settle(this.whenUnreachable());
  }

  /** What a full stream does to a publish that did not fit, `undefined` for `block` (it waits). */
  whenFull(): SettledOffer | undefined {
    switch (this.overflow) {
      case 'error':
        return 'full';
      case 'block':
        return undefined;
      default:
        // drop-oldest gets here only when every entry was already handed to a worker.
        return 'dropped-newest';
    }
  }

  close(): void {
    this.closed = true;
    for (const entry of this.entries.take(Infinity)) entry.settle('closed');
  }

  private whenUnreachable(): SettledOffer {
    // Nothing older can be reached to make room: drop-oldest drops the new record too.
    return this.overflow === 'error' ? 'unavailable' : 'dropped-newest';
  }
}
