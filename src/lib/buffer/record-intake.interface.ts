import type { OfferOutcome } from '../queue/meta-queue-options.interface.js';
import type { MetadataRecord } from '../record/metadata.interface.js';

/**
 * Where an engine puts the records it stamped: its own queue, or a source
 * that keeps them elsewhere (a Redis stream) and says what became of each.
 */
export interface RecordIntake {
  /** Offers a record; `onEvicted` hears of an accepted record that `drop-oldest` pushed out for it. */
  offer(record: MetadataRecord, onEvicted: (evicted: unknown) => void): OfferOutcome;
  /** Refuses every later offer, and the ones still waiting. */
  close(): void;
}
