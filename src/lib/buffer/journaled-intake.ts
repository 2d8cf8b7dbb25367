import type { MetaQueue } from '../queue/meta-queue.js';
import { refusal } from '../queue/overflow-refusal.js';
import type { MetadataRecord } from '../record/metadata.interface.js';
import type { IntakeOutcome, RecordIntake } from './record-intake.interface.js';
import type { RecordJournal } from './record-journal.interface.js';

/**
 * A topic's queue in front of a journal (the disk log, a Redis stream): the
 * queue's bound and overflow policy act as they do in memory, and a publish
 * settles only once its record is in the journal. A record `drop-oldest`
 * pushes out before it was written is counted by its own publish
 * (`evicted`). While the journal cannot be reached, the policy acts at once
 * (`block` waits in the queue).
 */
export class JournaledIntake implements RecordIntake {
  constructor(
    private readonly queue: MetaQueue,
    private readonly journal: RecordJournal,
  ) {}

  offer(
    record: MetadataRecord,
    onEvicted: (evicted: MetadataRecord) => void,
  ): IntakeOutcome | Promise<IntakeOutcome> {
    if (this.journal.available === false && this.queue.open) {
      const refused = refusal(this.queue.overflow, 'unavailable');
      if (refused) return refused;
    }
    const queued = this.queue.offer(record, this.onEvicted);
    // Most offers are queued at once: no extra turn before the journal's wait.
    if (typeof queued !== 'string') {
      return queued.then((q) => this.whenQueued(record, q, onEvicted));
    }
    return this.whenQueued(record, queued, onEvicted);
  }

  close(): void {
    this.queue.close();
  }

  private whenQueued(
    record: MetadataRecord,
    queued: IntakeOutcome,
    onEvicted: (evicted: MetadataRecord) => void,
  ): IntakeOutcome | Promise<IntakeOutcome> {
    if (queued !== 'accepted' && queued !== 'dropped-oldest') return queued;
    return this.journal
      .written(record, onEvicted)
      .then((written) => (written === 'written' ? 'accepted' : written));
  }

  private readonly onEvicted = (evicted: unknown): void =>
    this.journal.evicted(evicted as MetadataRecord);
}
