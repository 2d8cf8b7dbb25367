import { TopicQueues } from '../../../src/lib/buffer/topic-queues.js';
import { MetaQueue, type MetadataRecord } from '../../../src/lib/index.js';
import { offerBehindFull } from '../../support/blocked-offer.js';
import { records } from '../../support/records.js';

const queue = (bufferSize = 10) => new MetaQueue<MetadataRecord>({ bufferSize });

describe('TopicQueues', () => {
  it('holds the queues in the order the engines were made', () => {
    const queues = new TopicQueues();
    const [b, a, c] = [queue(), queue(), queue()];
    queues.add('b', b);
    queues.add('a', a);
    queues.add('c', c);
    expect(queues.topics).toEqual(['b', 'a', 'c']);
    expect(queues.all()).toEqual([b, a, c]);
    expect(queues.all()[0]).toBe(b);
  });

  it('is empty until a queue is added', () => {
    const queues = new TopicQueues();
    expect(queues.topics).toEqual([]);
    expect(queues.all()).toEqual([]);
    expect(queues.size).toBe(0);
  });

  it('counts the records queued now, in every queue', () => {
    const queues = new TopicQueues();
    const [a, b] = [queue(), queue()];
    queues.add('a', a);
    queues.add('b', b);
    for (const record of records(3, 'a')) void a.offer(record);
    for (const record of records(2, 'b')) void b.offer(record);
    expect(queues.size).toBe(5);
    a.take(2);
    expect(queues.size).toBe(3);
  });

  it('close() refuses later offers to every queue, and the blocked ones', async () => {
    const queues = new TopicQueues();
    const [a, b] = [queue(1), queue(1)];
    queues.add('a', a);
    queues.add('b', b);
    const { kept, late, offer } = offerBehindFull(a);
    queues.close();
    await expect(offer).resolves.toBe('closed');
    expect(a.offer(late)).toBe('closed');
    expect(b.offer(late)).toBe('closed');
    // What waits can still be taken.
    expect(a.take()).toEqual([kept]);
  });
});
