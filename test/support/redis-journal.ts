import { JournaledIntake } from '../../src/lib/buffer/journaled-intake.js';
import type { RedisConnection } from '../../src/lib/buffer/redis/redis-connection.js';
import { StreamJournal } from '../../src/lib/buffer/redis/stream-journal.js';
import { StreamPublisher } from '../../src/lib/buffer/redis/stream-publisher.js';
import { StreamRefusals } from '../../src/lib/buffer/redis/stream-refusals.js';
import { MetaQueue } from '../../src/lib/queue/meta-queue.js';
import type { MetaQueueOptions } from '../../src/lib/queue/meta-queue-options.interface.js';
import type { MetadataRecord } from '../../src/lib/record/metadata.interface.js';
import { records } from './records.js';

/** A record of `topic` as its engine stamps it, published now: `block`'s time limit counts from then. */
export const stamped = (topic: string): MetadataRecord => ({
  ...records(1, topic)[0],
  publishedAt: new Date(),
});

/**
 * The publishing half of the Redis buffer as the source wires it: each
 * topic's queue in front of a stream journal that a publisher fills.
 */
export function streamJournal(connection: RedisConnection, prefix: string) {
  let appended = 0;
  const journal = new StreamJournal(connection, () => publisher.requestSend());
  const refusals = new StreamRefusals(connection);
  const publisher = new StreamPublisher(connection, journal, refusals, (n) => (appended += n));
  const evicted: string[] = [];
  const onEvicted = (record: MetadataRecord) => void evicted.push(record.id);
  return {
    journal,
    publisher,
    refusals,
    evicted,
    get appended() {
      return appended;
    },
    /** A topic's intake, and a way to publish into it as an engine does. */
    topic(topic: string, options: MetaQueueOptions & { maxLen?: number } = {}) {
      const queue = new MetaQueue(options);
      const stream = `${prefix}${topic}`;
      journal.add(topic, queue, stream, options.maxLen ?? queue.capacity);
      const intake = new JournaledIntake(queue, journal);
      return {
        queue,
        stream,
        intake,
        publish: async (record = stamped(topic)) => ({
          record,
          outcome: await intake.offer(record, onEvicted),
        }),
      };
    },
  };
}
