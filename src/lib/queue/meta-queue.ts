import { defaults } from '../metaqueue.defaults.js';
import { assertOption, optionRules } from '../utils/assert-option.util.js';
import { compileDataType, type DataTypeCheck } from './data-type.js';
import type { DataOf, DataType } from './data-type.interface.js';
import { Deque } from './deque.js';
import {
  overflowPolicies,
  type MetaQueueOptions,
  type OfferOutcome,
  type OverflowPolicy,
} from './meta-queue-options.interface.js';
import { refusal } from './overflow-refusal.js';

interface Waiter<Item> {
  item: Item;
  resolve(outcome: 'accepted' | 'timeout' | 'closed'): void;
  timer?: NodeJS.Timeout;
  settled: boolean;
}

/**
 * A bounded FIFO queue of one topic's records, with a dtype and an overflow
 * policy: the seed's `MetaQueue(buffer_size, dtype)`. Every operation is O(1)
 * per record at any backlog. It holds items of any type: its engine queues
 * stamped records, and checks them against `dtype` before it offers them.
 * `Spec` is the `dtype` given, so an engine over the queue can be typed by it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export class MetaQueue<Item = unknown, Spec extends DataType<any> = DataType> {
  /**
   * Only a type, never set: what `data` the dtype admits, as a parameter, so
   * that `MetadataEngine<T>` over this queue compiles only if a `T` is one.
   */
  declare readonly admits?: (data: DataOf<Spec>) => void;
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly blockTimeoutMs: number | undefined;
  readonly dtype: DataTypeCheck;

  private readonly records = new Deque<Item>();
  private readonly waiters = new Deque<Waiter<Item>>();
  private closed = false;
  private backlogThreshold = Infinity;
  private onBacklog?: () => void;

  constructor(options: MetaQueueOptions & { dtype?: Spec } = {}) {
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

  /** Whether offers are still taken: until `close()`. */
  get open(): boolean {
    return !this.closed;
  }

  /** Offers an item; with `drop-oldest`, `onEvicted` hears of the item pushed out for it. */
  offer(record: Item, onEvicted?: (evicted: Item) => void): OfferOutcome {
    if (this.closed) return 'closed';
    if (this.records.size < this.capacity && this.waiters.size === 0) {
      this.records.push(record);
      if (this.records.size >= this.backlogThreshold) this.onBacklog!();
      return 'accepted';
    }
    switch (this.overflow) {
      case 'drop-oldest': {
        const evicted = this.records.shift()!;
        this.records.push(record);
        onEvicted?.(evicted);
        return 'dropped-oldest';
      }
      case 'block':
        return this.wait(record);
      default:
        return refusal(this.overflow, 'full')!;
    }
  }

  /** The oldest record, left in the queue. */
  peek(): Item | undefined {
    return this.records.peek();
  }

  /** Removes and returns up to `max` records, oldest first, and lets waiting publishes in. */
  take(max: number = Infinity): Item[] {
    const taken = this.records.take(max);
    this.admitWaiters();
    return taken;
  }

  /**
   * Calls `listener` whenever an offer, or a blocked publish let in, leaves
   * `threshold` or more records queued, or the queue full: one smaller than
   * `threshold` would otherwise hold its publishers until the next interval.
   */
  watchBacklog(threshold: number, listener: () => void): void {
    this.backlogThreshold = Math.min(threshold, this.capacity);
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

  private wait(item: Item): Promise<'accepted' | 'timeout' | 'closed'> {
    return new Promise((resolve) => {
      const waiter: Waiter<Item> = { item, resolve, settled: false };
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
      this.records.push(waiter.item);
      waiter.resolve('accepted');
    }
    // Timed-out waiters at the head would hold back `offer`'s fast path.
    while (this.waiters.peek()?.settled) this.waiters.shift();
    // Publishers let in may have refilled the queue: the broker must hear of it.
    if (this.records.size >= this.backlogThreshold) this.onBacklog!();
  }
}

function assertQueueOptions(queue: MetaQueue): void {
  assertOption('queue', 'bufferSize', queue.capacity, optionRules.positiveInteger);
  assertOption('queue', 'overflow', queue.overflow, {
    test: (v) => overflowPolicies.includes(v as OverflowPolicy),
    expected: overflowPolicies.map((p) => `'${p}'`).join(', '),
  });
  if (queue.blockTimeoutMs !== undefined) {
    assertOption('queue', 'blockTimeoutMs', queue.blockTimeoutMs, optionRules.nonNegativeMs);
  }
}

/** A queue whose dtype admits every `T`: what a `MetadataEngine<T>` takes. */
export type MetaQueueFor<T> = Omit<MetaQueue, 'admits'> & {
  readonly admits?: (data: T) => void;
};
