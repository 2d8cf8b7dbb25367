import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { RetryLoop } from '../../../../src/lib/broker/sinks/retry-loop.js';
import { SinkChannel, type Delivery } from '../../../../src/lib/broker/sinks/sink-channel.js';
import { ShutdownDeadlineError } from '../../../../src/lib/index.js';
import { MemorySink } from '../../../support/memory-sink.js';
import { records } from '../../../support/records.js';
import { until } from '../../../support/until.js';

const logger = new Logger('test');
beforeAll(() => {
  Logger.overrideLogger(false);
});

function channel(sink: MemorySink, concurrency: number, maxBacklog = Infinity, retryMs = 1) {
  const settled: { delivery: Delivery; taken: string[] }[] = [];
  const retry = new RetryLoop(retryMs, retryMs, logger);
  const c = new SinkChannel(sink, { concurrency, maxBacklog }, retry, logger, (delivery, taken) =>
    settled.push({ delivery, taken: taken.map((r) => r.id) }),
  );
  return { channel: c, settled, retry };
}

const delivery = (n: number): Delivery => {
  const batch = { records: records(n) };
  return { batch, records: batch.records };
};

describe('SinkChannel', () => {
  it('writes at most `concurrency` batches at once, and settles them in order', async () => {
    const sink = new MemorySink('store');
    const { channel: c, settled } = channel(sink, 2);
    const deliveries = Array.from({ length: 10 }, () => delivery(3));
    for (const d of deliveries) {
      await c.whenRoom();
      c.push(d);
    }
    await c.drain();
    expect(sink.mostAtOnce).toBe(2);
    expect(settled.map((s) => s.delivery)).toEqual(deliveries);
    expect(c.stats).toMatchObject({ written: 30, backlog: 0, failedWrites: 0 });
  });

  it('frees the slot of a write that finishes before an earlier one, and still settles in order', async () => {
    const sink = new AnsweredInAnyOrder();
    const { channel: c, settled } = channel(sink as unknown as MemorySink, 2);
    const deliveries = Array.from({ length: 5 }, () => delivery(3));
    for (const d of deliveries) c.push(d);
    expect(sink.started).toBe(2);
    await sink.answer(1);
    // The first is still under way: the second's slot takes the third.
    expect(sink.started).toBe(3);
    expect(c.stats).toMatchObject({ written: 3, backlog: 12 });
    let roomed = false;
    void c.whenRoom().then(() => (roomed = true));
    await sink.answer(2);
    // Four unsettled, twice `concurrency`: the fifth waits for the first to settle.
    expect(sink.started).toBe(4);
    await sink.answer(3);
    expect(sink.started).toBe(4);
    expect(roomed).toBe(false);
    expect(settled).toHaveLength(0);
    expect(sink.mostAtOnce).toBe(2);
    await sink.answer(0);
    expect(settled.map((s) => s.delivery)).toEqual(deliveries.slice(0, 4));
    expect(sink.started).toBe(5);
    expect(roomed).toBe(true);
    await sink.answer(4);
    await c.drain();
    expect(settled.map((s) => s.delivery)).toEqual(deliveries);
    expect(c.stats).toMatchObject({ written: 15, backlog: 0 });
  });

  it('with one write at a time, settles each before the next starts', async () => {
    const events: string[] = [];
    const sink = new AnsweredInAnyOrder((n) => events.push(`write ${n}`));
    const c = new SinkChannel(
      sink,
      { concurrency: 1, maxBacklog: Infinity },
      new RetryLoop(1, 1, logger),
      logger,
      () => events.push(`settled ${events.length}`),
    );
    c.push(delivery(1));
    c.push(delivery(1));
    await sink.answer(0);
    await sink.answer(1);
    await c.drain();
    expect(events).toEqual(['write 0', 'settled 1', 'write 1', 'settled 3']);
  });

  it('at shutdown, counts what it wrote but could not pass on apart from what it lost, and starts nothing more', async () => {
    const sink = new AnsweredInAnyOrder();
    const { channel: c, settled } = channel(sink as unknown as MemorySink, 2);
    for (let i = 0; i < 4; i++) c.push(delivery(3));
    await sink.answer(1);
    const error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    // The first write hangs; the second is written, the third under way, the fourth waiting.
    expect(c.abandon(30, undefined)).toBe(3);
    expect(c.stats).toMatchObject({ unflushed: 9, unconfirmed: 6 });
    expect(error).toHaveBeenCalledWith(expect.stringContaining('Sink store could not write 9'));
    await sink.answer(2);
    // Past the deadline a freed slot takes nothing.
    expect(sink.started).toBe(3);
    expect(settled).toHaveLength(0);
  });

  it('starts no write after one gave up at the deadline', async () => {
    const sink = new MemorySink('file');
    sink.failing = true;
    const { channel: c, retry } = channel(sink, 1, Infinity, 20);
    c.push(delivery(3));
    retry.finishBy(Date.now() + 30);
    await expect(c.drain()).rejects.toBeInstanceOf(ShutdownDeadlineError);
    const writes = sink.writes;
    sink.failing = false;
    c.push(delivery(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sink.writes).toBe(writes);
    expect(c.stats.written).toBe(0);
  });

  it('keeps the window while a write is retried: nothing more is started', async () => {
    const sink = new MemorySink('store');
    sink.failing = true;
    const { channel: c } = channel(sink, 2);
    c.push(delivery(1));
    c.push(delivery(1));
    let roomed = false;
    void c.whenRoom().then(() => (roomed = true));
    await until(() => c.stats.failedWrites > 2);
    expect(roomed).toBe(false);
    expect(c.stats.backlog).toBe(2);
    sink.failing = false;
    await c.drain();
    expect(roomed).toBe(true);
    expect(c.stats).toMatchObject({ written: 2, backlog: 0 });
  });

  it('passes on only what the sink took; the refused are counted dead-lettered', async () => {
    const sink = new MemorySink('store');
    const { channel: c, settled } = channel(sink, 1);
    const d = delivery(5);
    sink.refuse.add(d.records[1].id);
    c.push(d);
    await c.drain();
    expect(settled[0].taken).toEqual(d.records.filter((_, i) => i !== 1).map((r) => r.id));
    expect(c.stats).toMatchObject({ written: 4, deadLettered: 1 });
  });

  it('past maxBacklog drops the oldest waiting batches, counted, and settles them as dropped', async () => {
    const sink = new MemorySink('file');
    sink.silent = true;
    const { channel: c, settled } = channel(sink, 1, 10);
    const deliveries = Array.from({ length: 6 }, () => delivery(4));
    for (const d of deliveries) c.push(d);
    // One batch being written (4), at most 10 waiting: the 2nd, 3rd and 4th go.
    expect(c.stats).toMatchObject({ dropped: 12, backlog: 12 });
    expect(settled.map((s) => s.delivery)).toEqual(deliveries.slice(1, 4));
    expect(settled.every((s) => s.taken.length === 0)).toBe(true);
    sink.answer();
    await c.drain();
    expect(sink.ids).toEqual(
      [deliveries[0], deliveries[4], deliveries[5]].flatMap((d) => d.records.map((r) => r.id)),
    );
  });

  it('past the shutdown deadline, drain() and whenRoom() reject, and abandon() counts the backlog', async () => {
    const sink = new MemorySink('store');
    sink.failing = true;
    const { channel: c, retry } = channel(sink, 1, Infinity, 20);
    c.push(delivery(3));
    c.push(delivery(2));
    const room = c.whenRoom();
    room.catch(() => undefined);
    retry.finishBy(Date.now() + 30);
    await expect(c.drain()).rejects.toBeInstanceOf(ShutdownDeadlineError);
    await expect(room).rejects.toBeInstanceOf(ShutdownDeadlineError);
    const error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    c.abandon(30, undefined, 7);
    expect(c.stats.unflushed).toBe(5 + 7);
    expect(error).toHaveBeenCalledWith(expect.stringContaining('Sink store could not write 12'));
    expect(error).toHaveBeenCalledWith(expect.stringContaining('they are lost'));
  });

  it('says where a durable source keeps what shutdown could not write', () => {
    const { channel: c } = channel(new MemorySink('store'), 1, Infinity, 20);
    const error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    c.abandon(30, 'the disk buffer at /var/mq', 4);
    const [message] = error.mock.lastCall as [string];
    expect(message).toContain('they stay in the disk buffer at /var/mq, which delivers them');
    expect(message).not.toContain('are lost');
  });
});

/** A sink whose writes finish when the test says, in any order. */
class AnsweredInAnyOrder {
  readonly name = 'store';
  started = 0;
  mostAtOnce = 0;
  private underWay = 0;
  private readonly answers: (() => void)[] = [];

  constructor(private readonly onStart?: (n: number) => void) {}

  async write(): Promise<void> {
    const n = this.started++;
    this.onStart?.(n);
    this.mostAtOnce = Math.max(this.mostAtOnce, ++this.underWay);
    await new Promise<void>((resolve) => this.answers.push(resolve));
    this.underWay--;
  }

  /** Finishes the `n`th write started (from 0), and lets the channel act on it. */
  async answer(n: number): Promise<void> {
    this.answers[n]();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
