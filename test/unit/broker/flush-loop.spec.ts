import { jest } from '@jest/globals';
import { FlushLoop } from '../../../src/lib/broker/flush-loop.js';

/** A pass the test finishes by hand, counting how many began. */
function manualPasses() {
  const finishers: (() => void)[] = [];
  let began = 0;
  const pass = () => {
    began++;
    return new Promise<void>((resolve) => finishers.push(resolve));
  };
  return {
    pass,
    began: () => began,
    finishOne: async () => {
      finishers.shift()!();
      await jest.advanceTimersByTimeAsync(0);
    },
  };
}

describe('FlushLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs a pass every interval, and not before', async () => {
    let passes = 0;
    const loop = new FlushLoop(
      async () => void passes++,
      1_000,
      () => undefined,
    );
    loop.start();
    await jest.advanceTimersByTimeAsync(999);
    expect(passes).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(passes).toBe(1);
    await jest.advanceTimersByTimeAsync(3_000);
    expect(passes).toBe(4);
    loop.stop();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(passes).toBe(4);
  });

  it('coalesces a burst of signals during a pass into exactly one more pass', async () => {
    const passes = manualPasses();
    const loop = new FlushLoop(passes.pass, 60_000, () => undefined);
    loop.start();
    loop.soon();
    await jest.advanceTimersByTimeAsync(0);
    expect(passes.began()).toBe(1);
    for (let i = 0; i < 1_000; i++) loop.soon();
    const joined = loop.run();
    await passes.finishOne();
    expect(passes.began()).toBe(2);
    await passes.finishOne();
    await joined;
    // Nothing more was asked for during the second pass: the loop is idle again.
    await jest.advanceTimersByTimeAsync(1_000);
    expect(passes.began()).toBe(2);
  });

  it('sets one timer for a burst of signals before its pass begins', async () => {
    const passes = manualPasses();
    const loop = new FlushLoop(passes.pass, 60_000, () => undefined);
    loop.start();
    const timers = jest.getTimerCount();
    const setTimeout = jest.spyOn(global, 'setTimeout');
    // A queue over its threshold signals at every publish until the pass takes it.
    for (let i = 0; i < 1_000; i++) loop.soon();
    expect(setTimeout).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(timers);
    setTimeout.mockRestore();
    await jest.advanceTimersByTimeAsync(0);
    expect(passes.began()).toBe(1);
    await passes.finishOne();
    // Once it has run, a new signal gets a pass of its own.
    loop.soon();
    await jest.advanceTimersByTimeAsync(0);
    expect(passes.began()).toBe(2);
    await passes.finishOne();
    loop.stop();
  });

  it('answers a signal once the timer it set was replaced by the interval', async () => {
    const passes = manualPasses();
    const loop = new FlushLoop(passes.pass, 60_000, () => undefined);
    loop.start();
    loop.soon();
    // A pass that ends sets the next interval, replacing any timer a signal set meanwhile (as
    // one that lands between the pass's end and that); start() sets the interval the same way.
    loop.start();
    loop.soon();
    await jest.advanceTimersByTimeAsync(10);
    expect(passes.began()).toBe(1);
    await passes.finishOne();
    loop.stop();
  });

  it('never runs two passes at once', async () => {
    let running = 0;
    let most = 0;
    const loop = new FlushLoop(
      async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
      },
      5,
      () => undefined,
    );
    loop.start();
    for (let i = 0; i < 50; i++) {
      loop.soon();
      void loop.run();
      await jest.advanceTimersByTimeAsync(3);
    }
    loop.stop();
    const last = loop.run();
    await jest.advanceTimersByTimeAsync(100);
    await last;
    expect(most).toBe(1);
  });

  it('reports a failed pass and keeps ticking', async () => {
    const errors: unknown[] = [];
    let passes = 0;
    const loop = new FlushLoop(
      async () => {
        passes++;
        throw new Error('boom');
      },
      100,
      (error) => errors.push(error),
    );
    loop.start();
    await jest.advanceTimersByTimeAsync(350);
    expect(passes).toBe(3);
    expect(errors).toHaveLength(3);
    loop.stop();
  });

  it('ignores "soon" once stopped, but still runs on demand', async () => {
    let passes = 0;
    const loop = new FlushLoop(
      async () => void passes++,
      100,
      () => undefined,
    );
    loop.start();
    loop.stop();
    loop.soon();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(passes).toBe(0);
    await loop.run();
    expect(passes).toBe(1);
  });

  it('keeps the process alive only while records wait when its timer is set', () => {
    jest.useRealTimers();
    // Only timers that hold the process open are listed as active resources.
    const holding = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = holding();
    let waiting = false;
    const loop = new FlushLoop(
      async () => undefined,
      60_000,
      () => undefined,
      () => waiting,
    );
    loop.start();
    expect(holding()).toBe(before);
    waiting = true;
    loop.soon();
    expect(holding()).toBe(before + 1);
    loop.stop();
    expect(holding()).toBe(before);
  });
});
