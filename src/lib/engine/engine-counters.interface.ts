import type { MetadataRecord } from '../record/metadata.interface.js';

/** Why a record was dropped by its queue's overflow policy. */
export type DropReason = 'drop-newest' | 'drop-oldest';

/** Hears of each record an engine's overflow policy drops: `engine.onDropped(listener)`. */
export type DropListener<T = unknown> = (record: MetadataRecord<T>, reason: DropReason) => void;

/** Why a publish was rejected (it threw). */
export type RejectReason =
  'invalid' | 'queue-full' | 'timeout' | 'closed' | 'unavailable' | 'refused';

/**
 * What an engine did with every record published to it. Each publish ends in
 * exactly one bucket, so at every moment
 * `accepted + dropped + rejected + waiting = published`
 * (`waiting`: blocked publishes not yet settled; a record that `drop-oldest`
 * pushes out moves from accepted to dropped).
 */
export interface EngineCounters {
  published: number;
  accepted: number;
  waiting: number;
  dropped: Record<DropReason, number>;
  rejected: Record<RejectReason, number>;
}
