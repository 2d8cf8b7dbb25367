import type { MetadataRecord } from '../engine/metadata.interface.js';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { defaults } from '../metaqueue.defaults.js';
import { messages } from '../metaqueue.messages.js';
import { compileDataType, type DataTypeCheck } from './data-type.js';
import { Deque } from './deque.js';
import {
  overflowPolicies,
  type MetaQueueOptions,
  type OverflowPolicy,
} from './meta-queue-options.interface.js';

/**
 * What became of an offered record. `dropped-oldest` means the record was
 * taken and the oldest one dropped for it; a promise means the offer waits
 * for space (policy `block`).
 */
export type OfferOutcome =
  | 'accepted'
  | 'dropped-newest'
  | 'dropped-oldest'
  | 'full'
  | 'closed'
  | Promise<'accepted' | 'timeout' | 'closed'>;

interface Waiter<T> {
  record: MetadataRecord<T>;
  resolve(outcome: 'accepted' | 'timeout' | 'closed'): void;
  timer?: NodeJS.Timeout;
  settled: boolean;
}

/**
 * A bounded FIFO queue of one topic's records, with a dtype and an overflow
 * policy: the seed's `MetaQueue(buffer_size, dtype)`. Every operation is O(1)
 * per record at any backlog.
 */
export class MetaQueue<T = unknown> {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly blockTimeoutMs: number | undefined;
  readonly dtype: DataTypeCheck;

  private readonly records = new Deque<MetadataRecord<T>>();
  private readonly waiters = new Deque<Waiter<T>>();
  private closed = false;
  private backlogThreshold = Infinity;
  private onBacklog?: () => void;

  constructor(options: MetaQueueOptions<T> = {}) {
    this.capacity = options.bufferSize ?? defaults.queue.bufferSize;
    this.overflow = options.overflow ?? defaults.queue.overflow;
    this.blockTimeoutMs = options.blockTimeoutMs ?? defaults.queue.blockTimeoutMs;
    this.dtype = compileDataType(options.dtype ?? defaults.queue.dtype);
    assertQueueOptions(this);
  }

  /** Records queued now. */
  get size(): number {
    return this.records.size;
  }

  offer(record: MetadataRecord<T>): OfferOutcome {
    if (this.closed) return 'closed';
    if (this.records.size < this.capacity && this.waiters.size === 0) {
      this.records.push(record);
      if (this.records.size >= this.backlogThreshold) this.onBacklog!();
      return 'accepted';
    }
    switch (this.overflow) {
      case 'drop-newest':
        return 'dropped-newest';
      case 'drop-oldest':
        this.records.shift();
        this.records.push(record);
        return 'dropped-oldest';
      case 'error':
        return 'full';
      case 'block':
        return this.wait(record);
    }
  }

  /** Removes and returns up to `max` records, oldest first, and lets waiting publishes in. */
  take(max: number = Infinity): MetadataRecord<T>[] {
    const taken = this.records.take(max);
    this.admitWaiters();
    return taken;
  }

  /** Calls `listener` whenever an offer leaves `threshold` or more records queued. */
  watchBacklog(threshold: number, listener: () => void): void {
    this.backlogThreshold = threshold;
    this.onBacklog = listener;
  }

  /** Refuses every later offer, and the ones still waiting for space. */
  close(): void {
    this.closed = true;
    for (let waiter = this.waiters.shift(); waiter; waiter = this.waiters.shift()) {
      if (waiter.settled) continue;
      waiter.settled = true;
      clearTimeout(waiter.timer);
      waiter.resolve('closed');
    }
  }

  private wait(record: MetadataRecord<T>): Promise<'accepted' | 'timeout' | 'closed'> {
    return new Promise((resolve) => {
      const waiter: Waiter<T> = { record, resolve, settled: false };
      if (this.blockTimeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          // Left in the deque and skipped by admitWaiters: removal from the middle is O(n).
          waiter.settled = true;
          resolve('timeout');
        }, this.blockTimeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  private admitWaiters(): void {
    while (this.waiters.size > 0 && this.records.size < this.capacity) {
      const waiter = this.waiters.shift()!;
      if (waiter.settled) continue;
      waiter.settled = true;
      clearTimeout(waiter.timer);
      this.records.push(waiter.record);
      waiter.resolve('accepted');
    }
    // Timed-out waiters at the head would hold back `offer`'s fast path.
    while (this.waiters.peek()?.settled) this.waiters.shift();
  }
}

function assertQueueOptions(queue: MetaQueue<unknown>): void {
  if (!Number.isSafeInteger(queue.capacity) || queue.capacity < 1) {
    throw new MetaqueueConfigError(
      messages.invalidQueueOption('bufferSize', queue.capacity, 'a positive integer'),
    );
  }
  if (!overflowPolicies.includes(queue.overflow)) {
    throw new MetaqueueConfigError(
      messages.invalidQueueOption(
        'overflow',
        queue.overflow,
        overflowPolicies.map((p) => `'${p}'`).join(', '),
      ),
    );
  }
  const timeout = queue.blockTimeoutMs;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout >= 0)) {
    throw new MetaqueueConfigError(
      messages.invalidQueueOption(
        'blockTimeoutMs',
        timeout,
        'a non-negative number of milliseconds',
      ),
    );
  }
}
