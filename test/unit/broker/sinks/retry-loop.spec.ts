import { jest } from '@jest/globals';
import { backoffDelay } from '../../../../src/lib/broker/sinks/backoff.js';
import { RetryLoop } from '../../../../src/lib/broker/sinks/retry-loop.js';
import { ShutdownDeadlineError } from '../../../../src/lib/index.js';
import { CapturingLogger } from '../../../support/capturing-logger.js';

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the maximum, with half of it random', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = Math.min(5_000, 100 * 2 ** attempt);
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(attempt, 100, 5_000);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('spreads retries: the delays of one attempt are not all the same', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, 100, 5_000)));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe('RetryLoop', () => {
  const failingFor = (times: number) => {
    let calls = 0;
    return {
      calls: () => calls,
      work: async () => {
        if (++calls <= times) throw new Error(`failure ${calls}`);
        return 'done';
      },
    };
  };

  it('retries until the work succeeds, counting every failure', async () => {
    const logger = new CapturingLogger();
    const loop = new RetryLoop(1, 2, logger);
    const work = failingFor(25);
    let failures = 0;
    await expect(
      loop.run(work.work, { sink: 'store', records: 3, onFailure: () => failures++ }),
    ).resolves.toBe('done');
    expect(work.calls()).toBe(26);
    expect(failures).toBe(25);
  });

  it('logs the first failure and every tenth, then the recovery', async () => {
    const logger = new CapturingLogger();
    const loop = new RetryLoop(1, 2, logger);
    await loop.run(failingFor(25).work, { sink: 'file', records: 3, onFailure: () => undefined });
    const warnings = logger.lines.filter((l) => l.includes('failed to write'));
    expect(warnings.map((l) => /attempt (\d+)/.exec(l)![1])).toEqual(['1', '11', '21']);
    expect(warnings[0]).toContain('Sink file failed to write 3 records (attempt 1): failure 1.');
    expect(logger.lines.at(-1)).toContain('Sink file wrote 3 records after 26 attempts.');
  });

  it('gives up with ShutdownDeadlineError once the next wait would pass the deadline', async () => {
    // Fake timers (and Date): the deadline is checked in the loop's own time, never the machine's.
    jest.useFakeTimers();
    try {
      const loop = new RetryLoop(50, 50, new CapturingLogger());
      const deadline = Date.now() + 120;
      loop.finishBy(deadline);
      let rejectedAt = Infinity;
      const settled = loop
        .run(failingFor(Infinity).work, { sink: 's', records: 1, onFailure: () => undefined })
        .catch((e: unknown) => {
          rejectedAt = Date.now();
          return e;
        });
      await jest.advanceTimersByTimeAsync(1_000);
      const error = await settled;
      expect(error).toBeInstanceOf(ShutdownDeadlineError);
      expect((error as ShutdownDeadlineError).lastError).toBeInstanceOf(Error);
      expect(rejectedAt).toBeLessThanOrEqual(deadline);
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps the process alive while it waits to retry: it holds accepted records', async () => {
    // The loop's own timer is checked, not the process's count of timers, which
    // other timers in this process change at any moment.
    const timers: NodeJS.Timeout[] = [];
    const realSetTimeout = globalThis.setTimeout;
    const spy = jest
      .spyOn(globalThis, 'setTimeout')
      .mockImplementation((...args: Parameters<typeof setTimeout>) => {
        const timer = realSetTimeout(...args);
        timers.push(timer);
        return timer;
      });
    try {
      const loop = new RetryLoop(200, 200, new CapturingLogger());
      const pending = loop.run(failingFor(1).work, {
        sink: 's',
        records: 1,
        onFailure: () => undefined,
      });
      await new Promise((r) => setImmediate(r));
      expect(timers).toHaveLength(1);
      expect(timers[0].hasRef()).toBe(true);
      await expect(pending).resolves.toBe('done');
    } finally {
      spy.mockRestore();
    }
  });
});
