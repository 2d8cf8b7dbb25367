import type { MetadataRecord } from '../record/metadata.interface.js';
import type { IntakeOutcome } from './record-intake.interface.js';

/**
 * What became of a queued record in a journal: `written`, or what its publish
 * gets instead: pushed out by the queue's `drop-oldest` (`evicted`), never
 * written (`closed`), or the topic's overflow policy acting at the journal's
 * own bound (a Redis stream's `maxLen`, or Redis unreachable).
 */
export type JournalOutcome = 'written' | Exclude<IntakeOutcome, 'accepted'>;

/**
 * Where a queued record must be written before its publish settles: the
 * disk buffer's log, or a Redis stream. It takes records from the topics'
 * queues itself.
 */
export interface RecordJournal {
  /**
   * `false` while the journal cannot be reached (Redis): a publish then meets
   * its topic's policy at once, before it is queued. Unset: always reachable.
   */
  readonly available?: boolean;
  /**
   * Resolves once `record`, queued now, is in the journal, or can no longer
   * be. `onEvicted` hears of accepted records the journal itself pushes out
   * for it (a stream's `drop-oldest`).
   */
  written(
    record: MetadataRecord,
    onEvicted: (evicted: MetadataRecord) => void,
  ): Promise<JournalOutcome>;
  /** The queue's `drop-oldest` policy pushed out `record` before it was written. */
  evicted(record: MetadataRecord): void;
}
