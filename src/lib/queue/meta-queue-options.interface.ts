import type { DataType } from './data-type.interface.js';

/**
 * What a full queue does with a new record:
 * - `block`: the publish waits for space (up to `blockTimeoutMs`, if set);
 * - `drop-newest`: the new record is dropped;
 * - `drop-oldest`: the oldest queued record is dropped to make room;
 * - `error`: the publish is rejected with a `QueueFullError` (the seed's behaviour).
 */
export type OverflowPolicy = 'block' | 'drop-newest' | 'drop-oldest' | 'error';

export const overflowPolicies: readonly OverflowPolicy[] = [
  'block',
  'drop-newest',
  'drop-oldest',
  'error',
];

/** Settings of one topic's queue; every field has a default (see the README). */
export interface MetaQueueOptions<T = unknown> {
  /** Capacity: the most records the queue holds. The seed's `buffer_size`. */
  bufferSize?: number;
  /** What `data` may be. The seed's `dtype`. */
  dtype?: DataType<T>;
  /** What a publish into a full queue does. */
  overflow?: OverflowPolicy;
  /** With `overflow: 'block'`: how long a publish waits for space before it is rejected. Unset: no limit. */
  blockTimeoutMs?: number;
}

export type ResolvedQueueOptions<T = unknown> = Required<
  Omit<MetaQueueOptions<T>, 'blockTimeoutMs'>
> &
  Pick<MetaQueueOptions<T>, 'blockTimeoutMs'>;

/**
 * What became of an offered record. `dropped-oldest` means the record was
 * taken and the oldest one dropped for it; `unavailable` that the place
 * records wait in (a Redis stream) cannot be reached; a promise means the
 * offer waits (for space with policy `block`, or for Redis to acknowledge it).
 */
export type OfferOutcome = SettledOffer | Promise<SettledOffer | 'timeout'>;

export type SettledOffer =
  'accepted' | 'dropped-newest' | 'dropped-oldest' | 'full' | 'closed' | 'unavailable';
