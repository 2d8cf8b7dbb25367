import { dueTick, everySchedule } from '../../../src/lib/tasks/tick-schedule.js';

describe('dueTick: the tick a timer stands for', () => {
  const every = everySchedule(1_000);
  const t = 1_700_000_000_000; // a multiple of 1,000
  const early = 500;

  it('a timer on time, or a few ms early, runs the tick it was armed for', () => {
    expect(dueTick(every, t, t - 1_000, early)).toBe(t);
    expect(dueTick(every, t - 3, t - 1_000, early)).toBe(t);
  });

  it('a late timer runs its own tick late, not the next one early (which would leave its own missed)', () => {
    expect(dueTick(every, t + 600, t - 1_000, early)).toBe(t);
    expect(dueTick(every, t + 990, t - 1_000, early)).toBe(t);
    // Its next timer, at the next tick, runs that one.
    expect(dueTick(every, t + 1_000, t, early)).toBe(t + 1_000);
  });

  it('ticks the loop slept through are not run one after another: the latest due runs', () => {
    expect(dueTick(every, t + 2_300, t - 1_000, early)).toBe(t + 2_000);
  });

  it('nothing is due: the tick already ran here, or the next is further than earlyMs away', () => {
    expect(dueTick(every, t + 10, t, early)).toBeUndefined();
    expect(dueTick(every, t - 600, t - 1_000, early)).toBeUndefined();
  });
});
