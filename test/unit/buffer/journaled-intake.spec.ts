import { jest } from '@jest/globals';
import { JournaledIntake } from '../../../src/lib/buffer/journaled-intake.js';
import type { IntakeOutcome } from '../../../src/lib/buffer/record-intake.interface.js';
import type {
  JournalOutcome,
  RecordJournal,
} from '../../../src/lib/buffer/record-journal.interface.js';
import { MetaQueue, type MetadataRecord } from '../../../src/lib/index.js';
import type {
  MetaQueueOptions,
  OverflowPolicy,
} from '../../../src/lib/queue/meta-queue-options.interface.js';
import { offerBehindFull } from '../../support/blocked-offer.js';
import { records } from '../../support/records.js';
import { stamped } from '../../support/redis-journal.js';

/** A journal that writes a record only when the test says so, and remembers what it heard. */
class FakeJournal implements RecordJournal {
  /** Ids asked about, in order. */
  readonly asked: string[] = [];
  /** Ids the queue pushed out before they were written. */
  readonly evictions: string[] = [];
  private readonly pending = new Map<string, (outcome: JournalOutcome) => void>();

  written(record: MetadataRecord): Promise<JournalOutcome> {
    this.asked.push(record.id);
    return new Promise((resolve) => this.pending.set(record.id, resolve));
  }

  evicted(record: MetadataRecord): void {
    this.evictions.push(record.id);
    this.settle(record, 'evicted');
  }

  /** The journal's word on `record`. */
  settle(record: MetadataRecord, outcome: JournalOutcome): void {
    this.pending.get(record.id)?.(outcome);
    this.pending.delete(record.id);
  }
}

/** The intake over a fake journal, which pushes out nothing itself: the engine's callback goes unheard. */
function intake(options: MetaQueueOptions) {
  const queue = new MetaQueue<MetadataRecord>(options);
  const journal = new FakeJournal();
  const journaled = new JournaledIntake(queue, journal);
  return {
    queue,
    journal,
    intake: {
      offer: (record: MetadataRecord) => journaled.offer(record, () => undefined),
      close: () => journaled.close(),
    },
  };
}

/** What an offer settled as, or 'pending' if it has not yet, after the turns under way. */
async function settledAs(
  offer: IntakeOutcome | Promise<IntakeOutcome>,
): Promise<IntakeOutcome | 'pending'> {
  return Promise.race([
    offer,
    new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending'))),
  ]);
}

describe('JournaledIntake', () => {
  afterEach(() => jest.useRealTimers());

  it('settles a publish as accepted only once the journal says written', async () => {
    const { queue, journal, intake: i } = intake({ bufferSize: 4 });
    const [record] = records(1);
    const offer = i.offer(record);
    expect(queue.size).toBe(1);
    expect(journal.asked).toEqual([record.id]);
    expect(await settledAs(offer)).toBe('pending');
    journal.settle(record, 'written');
    await expect(offer).resolves.toBe('accepted');
  });

  it('passes on a journal that can no longer write the record', async () => {
    const { journal, intake: i } = intake({ bufferSize: 4 });
    const [record] = records(1);
    const offer = i.offer(record);
    journal.settle(record, 'closed');
    await expect(offer).resolves.toBe('closed');
  });

  it('settles a record drop-oldest pushes out before it was written as evicted, and tells the journal', async () => {
    const { queue, journal, intake: i } = intake({ bufferSize: 1, overflow: 'drop-oldest' });
    const [older, newer] = records(2);
    const first = i.offer(older);
    const second = i.offer(newer);
    expect(journal.evictions).toEqual([older.id]);
    await expect(first).resolves.toBe('evicted');
    expect(queue.peek()).toBe(newer);
    // The newcomer made room for itself, but is accepted only once written.
    expect(await settledAs(second)).toBe('pending');
    journal.settle(newer, 'written');
    await expect(second).resolves.toBe('accepted');
  });

  it.each<[string, MetaQueueOptions, IntakeOutcome]>([
    ['drop-newest', { bufferSize: 1, overflow: 'drop-newest' }, 'dropped-newest'],
    ['error', { bufferSize: 1, overflow: 'error' }, 'full'],
  ])(
    'passes a full %s queue’s outcome on unchanged, without the journal',
    (_, options, outcome) => {
      const { journal, intake: i } = intake(options);
      const [kept, refused] = records(2);
      void i.offer(kept);
      expect(i.offer(refused)).toBe(outcome);
      expect(journal.asked).toEqual([kept.id]);
    },
  );

  it('passes a blocked offer’s timeout on unchanged', async () => {
    jest.useFakeTimers();
    const { journal, intake: i } = intake({ bufferSize: 1, blockTimeoutMs: 50 });
    const { kept, offer } = offerBehindFull(i);
    jest.advanceTimersByTime(50);
    await expect(offer).resolves.toBe('timeout');
    expect(journal.asked).toEqual([kept.id]);
  });

  it('waits for the journal once a blocked offer is let in', async () => {
    const { queue, journal, intake: i } = intake({ bufferSize: 1 });
    const { kept, blocked, offer } = offerBehindFull(i);
    expect(queue.take()).toEqual([kept]);
    expect(await settledAs(offer)).toBe('pending');
    expect(journal.asked).toEqual([kept.id, blocked.id]);
    journal.settle(blocked, 'written');
    await expect(offer).resolves.toBe('accepted');
  });

  it('close() refuses later offers, and the blocked ones, without the journal', async () => {
    const { journal, intake: i } = intake({ bufferSize: 1 });
    const { kept, late, offer } = offerBehindFull(i);
    i.close();
    await expect(offer).resolves.toBe('closed');
    expect(i.offer(late)).toBe('closed');
    expect(journal.asked).toEqual([kept.id]);
  });
});

/** A journal that writes what it is given at once, or is away. */
class InstantJournal implements RecordJournal {
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

const instantIntakeOf = (overflow: OverflowPolicy, bufferSize = 2) => {
  const queue = new MetaQueue({ overflow, bufferSize });
  const journal = new InstantJournal();
  return { queue, journal, intake: new JournaledIntake(queue, journal) };
};
const ignore = () => undefined;

describe('JournaledIntake over a journal that answers at once, or is away', () => {
  it('settles accepted once the journal has the record, and passes on what else it says', async () => {
    const { journal, intake } = instantIntakeOf('error');
    expect(await intake.offer(stamped('a'), ignore)).toBe('accepted');
    journal.answer = 'full';
    expect(await intake.offer(stamped('a'), ignore)).toBe('full');
  });

  it("applies the queue's policy at its bound, and hands the journal what drop-oldest pushed out", async () => {
    const { queue, journal, intake } = instantIntakeOf('drop-oldest', 1);
    const first = stamped('a');
    void intake.offer(first, ignore);
    await intake.offer(stamped('a'), ignore);
    expect(journal.evictions).toEqual([first.id]);
    expect(queue.size).toBe(1);
    const full = instantIntakeOf('error', 1);
    void full.intake.offer(stamped('a'), ignore);
    expect(await full.intake.offer(stamped('a'), ignore)).toBe('full');
  });

  it('while the journal is away, acts at once without queueing (block queues), and closed wins', async () => {
    for (const [policy, outcome] of [
      ['error', 'unavailable'],
      ['drop-newest', 'dropped-newest'],
      ['drop-oldest', 'dropped-newest'],
    ] as const) {
      const { queue, journal, intake } = instantIntakeOf(policy);
      journal.available = false;
      expect(await intake.offer(stamped('a'), ignore)).toBe(outcome);
      expect(queue.size).toBe(0);
      intake.close();
      expect(await intake.offer(stamped('a'), ignore)).toBe('closed');
    }
    const { queue, journal, intake } = instantIntakeOf('block');
    journal.available = false;
    expect(await intake.offer(stamped('a'), ignore)).toBe('accepted');
    expect(queue.size).toBe(1);
  });
});
