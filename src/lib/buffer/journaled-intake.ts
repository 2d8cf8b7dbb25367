import type { MetaQueue } from '../queue/meta-queue.js';
import type { MetadataRecord } from '../record/metadata.interface.js';
import type { IntakeOutcome, RecordIntake } from './record-intake.interface.js';
import type { RecordJournal } from './record-journal.interface.js';

/**
 * A topic's queue in front of a journal (the disk log): the queue's bound
 * and overflow policy act as they do in memory, and a publish settles only
 * once its record is in the journal. A record `drop-oldest` pushes out
 * before it was written is counted by its own publish (`evicted`).
 */
export class JournaledIntake implements RecordIntake {
  constructor(
    private readonly queue: MetaQueue,
    private readonly journal: RecordJournal,
  ) {}

  offer(record: MetadataRecord): IntakeOutcome | Promise<IntakeOutcome> {
    const queued = this.queue.offer(record, this.onEvicted);
    // Most offers are queued at once: no extra turn before the journal's wait.
    if (typeof queued !== 'string') return queued.then((q) => this.whenQueued(record, q));
    return this.whenQueued(record, queued);
  }

  close(): void {
    this.queue.close();
  }

  private whenQueued(
    record: MetadataRecord,
    queued: IntakeOutcome,
  ): IntakeOutcome | Promise<IntakeOutcome> {
    if (queued !== 'accepted' && queued !== 'dropped-oldest') return queued;
    return this.journal
      .written(record)
      .then((written) => (written === 'written' ? 'accepted' : written));
  }

  private readonly onEvicted = (evicted: unknown): void =>
    this.journal.evicted(evicted as MetadataRecord);
}
