import { jest } from '@jest/globals';
import type { MetadataRecord } from '../../../src/lib/index.js';
import { MetaQueue, MetaqueueConfigError } from '../../../src/lib/index.js';

const record = (n: number): MetadataRecord<number> => ({
  id: `id-${n}`,
  topic: 't',
  name: 'm',
  location: 'l',
  context: 'c',
  data: n,
  json: String(n),
  publishedAt: new Date(0),
});

describe('MetaQueue', () => {
  afterEach(() => jest.useRealTimers());

  it('keeps FIFO order and reports its size and capacity', () => {
    const queue = new MetaQueue<MetadataRecord<number>>({ bufferSize: 3 });
    [1, 2, 3].forEach((n) => expect(queue.offer(record(n))).toBe('accepted'));
    expect(queue.size).toBe(3);
    expect(queue.capacity).toBe(3);
    expect(queue.take(2).map((r) => r.data)).toEqual([1, 2]);
    expect(queue.take().map((r) => r.data)).toEqual([3]);
  });

  it('has the documented defaults', () => {
    const queue = new MetaQueue();
    expect(queue.capacity).toBe(10_000);
    expect(queue.overflow).toBe('block');
    expect(queue.blockTimeoutMs).toBeUndefined();
    expect(queue.dtype.description).toContain("'json'");
  });

  it('drop-newest keeps the queued records', () => {
    const queue = new MetaQueue<MetadataRecord<number>>({ bufferSize: 2, overflow: 'drop-newest' });
    void queue.offer(record(1));
    void queue.offer(record(2));
    expect(queue.offer(record(3))).toBe('dropped-newest');
    expect(queue.take().map((r) => r.data)).toEqual([1, 2]);
  });

  it('drop-oldest makes room for the new record', () => {
    const queue = new MetaQueue<MetadataRecord<number>>({ bufferSize: 2, overflow: 'drop-oldest' });
    void queue.offer(record(1));
    void queue.offer(record(2));
    expect(queue.offer(record(3))).toBe('dropped-oldest');
    expect(queue.take().map((r) => r.data)).toEqual([2, 3]);
  });

  it('error reports a full queue and keeps what it has', () => {
    const queue = new MetaQueue<MetadataRecord<number>>({ bufferSize: 1, overflow: 'error' });
    void queue.offer(record(1));
    expect(queue.offer(record(2))).toBe('full');
    expect(queue.take().map((r) => r.data)).toEqual([1]);
  });

  it('block admits waiting records in arrival order as space frees', async () => {
    const queue = new MetaQueue<MetadataRecord<number>>({ bufferSize: 1 });
    void queue.offer(record(1));
    const second = queue.offer(record(2));
    const third = queue.offer(record(3));
    expect(second).toBeInstanceOf(Promise);
    expect(queue.take().map((r) => r.data)).toEqual([1]);
    await expect(second).resolves.toBe('accepted');
    expect(queue.size).toBe(1);
    // A newcomer must queue behind the waiter, not take the free slot first.
    expect(queue.take().map((r) => r.data)).toEqual([2]);
    expect(queue.offer(record(4))).toBeInstanceOf(Promise);
    await expect(third).resolves.toBe('accepted');
    expect(queue.take().map((r) => r.data)).toEqual([3]);
  });

  it('block with a timeout gives up, and the record never enters', async () => {
    jest.useFakeTimers();
    const queue = new MetaQueue<MetadataRecord<number>>({ bufferSize: 1, blockTimeoutMs: 50 });
    void queue.offer(record(1));
    const waiting = queue.offer(record(2)) as Promise<string>;
    jest.advanceTimersByTime(50);
    await expect(waiting).resolves.toBe('timeout');
    expect(queue.take().map((r) => r.data)).toEqual([1]);
    expect(queue.size).toBe(0);
    expect(queue.offer(record(3))).toBe('accepted');
  });

  it.each([
    [{ bufferSize: 0 }, /bufferSize=0: expected a positive integer/],
    [{ bufferSize: 1.5 }, /bufferSize=1.5/],
    [{ overflow: 'drop' as never }, /overflow="drop": expected 'block', 'drop-newest'/],
    [{ blockTimeoutMs: -1 }, /blockTimeoutMs=-1/],
    [{ dtype: 'int' as never }, /Unknown dtype "int": use one of 'number', 'integer'/],
  ])('rejects bad options %j', (options, message) => {
    expect(() => new MetaQueue(options)).toThrow(MetaqueueConfigError);
    expect(() => new MetaQueue(options)).toThrow(message);
  });
});
