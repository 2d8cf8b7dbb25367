import { JournaledIntake } from '../../../src/lib/buffer/journaled-intake.js';
import type {
  JournalOutcome,
  RecordJournal,
} from '../../../src/lib/buffer/record-journal.interface.js';
import { MetaQueue } from '../../../src/lib/queue/meta-queue.js';
import type { OverflowPolicy } from '../../../src/lib/queue/meta-queue-options.interface.js';
import type { MetadataRecord } from '../../../src/lib/record/metadata.interface.js';
import { stamped } from '../../support/redis-journal.js';

/** A journal that writes what it is given at once, or is away. */
class FakeJournal implements RecordJournal {
  available = true;
  evictions: string[] = [];
  answer: JournalOutcome = 'written';
  written(): Promise<JournalOutcome> {
    return Promise.resolve(this.answer);
  }
  evicted(record: MetadataRecord): void {
    this.evictions.push(record.id);
  }
}

const intakeOf = (overflow: OverflowPolicy, bufferSize = 2) => {
  const queue = new MetaQueue({ overflow, bufferSize });
  const journal = new FakeJournal();
  return { queue, journal, intake: new JournaledIntake(queue, journal) };
};
const ignore = () => undefined;

describe('JournaledIntake', () => {
  it('settles accepted once the journal has the record, and passes on what else it says', async () => {
    const { journal, intake } = intakeOf('error');
    expect(await intake.offer(stamped('a'), ignore)).toBe('accepted');
    journal.answer = 'full';
    expect(await intake.offer(stamped('a'), ignore)).toBe('full');
  });

  it("applies the queue's policy at its bound, and hands the journal what drop-oldest pushed out", async () => {
    const { queue, journal, intake } = intakeOf('drop-oldest', 1);
    const first = stamped('a');
    void intake.offer(first, ignore);
    await intake.offer(stamped('a'), ignore);
    expect(journal.evictions).toEqual([first.id]);
    expect(queue.size).toBe(1);
    const full = intakeOf('error', 1);
    void full.intake.offer(stamped('a'), ignore);
    expect(await full.intake.offer(stamped('a'), ignore)).toBe('full');
  });

  it('while the journal is away, acts at once without queueing (block queues), and closed wins', async () => {
    for (const [policy, outcome] of [
      ['error', 'unavailable'],
      ['drop-newest', 'dropped-newest'],
      ['drop-oldest', 'dropped-newest'],
    ] as const) {
      const { queue, journal, intake } = intakeOf(policy);
      journal.available = false;
      expect(await intake.offer(stamped('a'), ignore)).toBe(outcome);
      expect(queue.size).toBe(0);
      intake.close();
      expect(await intake.offer(stamped('a'), ignore)).toBe('closed');
    }
    const { queue, journal, intake } = intakeOf('block');
    journal.available = false;
    expect(await intake.offer(stamped('a'), ignore)).toBe('accepted');
    expect(queue.size).toBe(1);
  });
});
