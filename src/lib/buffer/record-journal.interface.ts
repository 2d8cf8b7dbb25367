import type { MetadataRecord } from '../record/metadata.interface.js';

/** What became of a queued record in a journal: written, pushed out by `drop-oldest`, or never written. */
export type JournalOutcome = 'written' | 'evicted' | 'closed';

/**
 * Where a queued record must be written before its publish settles: the
 * disk buffer's log. It takes records from the topics' queues itself.
 */
export interface RecordJournal {
  /** Resolves once `record`, queued now, is in the journal, or can no longer be. */
  written(record: MetadataRecord): Promise<JournalOutcome>;
  /** The queue's `drop-oldest` policy pushed out `record` before it was written. */
  evicted(record: MetadataRecord): void;
}
