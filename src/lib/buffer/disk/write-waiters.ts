import type { JournalOutcome } from '../record-journal.interface.js';
import type { MetadataRecord } from '../../record/metadata.interface.js';

/**
 * The publishes waiting for their record's write, and the outcomes no
 * publish waited for yet: taking a record makes room in its queue, a blocked
 * publish's record goes in, and the writer can take and write that one in
 * the same turn, before its publish goes on to wait.
 */
export class WriteWaiters {
  private waiters = new Map<MetadataRecord, (outcome: JournalOutcome) => void>();
  private readonly unclaimed = new Map<MetadataRecord, JournalOutcome>();

  /** The outcome `record` already had, taken; `undefined` if it has none yet. */
  claim(record: MetadataRecord): JournalOutcome | undefined {
    const outcome = this.unclaimed.get(record);
    if (outcome) this.unclaimed.delete(record);
    return outcome;
  }

  /** Resolves with the outcome `record` will have. */
  wait(record: MetadataRecord): Promise<JournalOutcome> {
    return new Promise((resolve) => this.waiters.set(record, resolve));
  }

  settle(record: MetadataRecord, outcome: JournalOutcome, waiters = this.waiters): void {
    const resolve = waiters.get(record);
    if (!resolve) {
      this.unclaimed.set(record, outcome);
      return;
    }
    waiters.delete(record);
    resolve(outcome);
  }

  /**
   * Settles a write's publishes from a Map of their own and carries the rest
   * over. Entries churning through one long-lived Map got every record
   * promoted to the old generation: garbage collection took a third of a
   * publish's cost.
   */
  settleWritten(records: MetadataRecord[]): void {
    const waiters = this.waiters;
    this.waiters = new Map();
    for (const record of records) this.settle(record, 'written', waiters);
    for (const [record, resolve] of waiters) this.waiters.set(record, resolve);
  }

  /** Settles every publish still waiting with `outcome`. */
  settleAll(outcome: JournalOutcome): void {
    for (const record of [...this.waiters.keys()]) this.settle(record, outcome);
  }
}
