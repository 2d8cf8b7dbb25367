import { jest } from '@jest/globals';
import type { TaskRunRow } from '../../../src/lib/tasks/claims/task-run-row.interface.js';
import { TaskWatch, type TaskWatchEvent } from '../../../src/lib/tasks/task-watch.js';
import { everySchedule } from '../../../src/lib/tasks/tick-schedule.js';

const t0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const periodMs = 10_000;
const graceMs = 2_000;

function row(scheduledAt: number, more: Partial<TaskRunRow> = {}): TaskRunRow {
  return {
    id: `run-${scheduledAt}`,
    task: 'report',
    scheduledAt: new Date(scheduledAt),
    startedAt: new Date(scheduledAt + 10),
    finishedAt: new Date(scheduledAt + 50),
    expiresAt: new Date(scheduledAt + 60_000),
    status: 'succeeded',
    replica: 'a',
    recordsPublished: 0,
    ...more,
  };
}

/** A watch over the runs in `runs`, checked at `now` as the watcher does. */
function watcher(settings: Partial<TaskWatch['settings']> = {}) {
  const watch = new TaskWatch(
    'report',
    everySchedule(periodMs),
    { graceMs, maxRuntimeMs: 30_000, failingAfter: 3, ...settings },
    t0,
  );
  const runs: TaskRunRow[] = [];
  const check = (now: number): TaskWatchEvent[] => {
    const { from, to } = watch.window(now);
    const sorted = [...runs].sort((a, b) => b.scheduledAt.getTime() - a.scheduledAt.getTime());
    return watch.check(now, {
      window: runs.filter((r) => r.scheduledAt.getTime() >= from && r.scheduledAt.getTime() <= to),
      running: runs.filter((r) => r.status === 'running'),
      latest: sorted,
    });
  };
  return { watch, runs, check };
}

describe('TaskWatch', () => {
  it('raises missed for a tick no replica claimed within the grace, not before, and clears it when a later tick runs', () => {
    const { watch, runs, check } = watcher();
    const tick = t0 + periodMs;
    expect(check(tick + graceMs - 1)).toEqual([]);
    expect(check(tick + graceMs)).toEqual([{ alarm: 'missed', task: 'report', scheduledAt: tick }]);
    expect(watch.state.missedTotal).toBe(1);
    expect(watch.state.alarms.missed).toMatch(/no replica ran its tick/);
    // Judged once.
    expect(check(tick + graceMs + 500)).toEqual([]);
    runs.push(row(tick + periodMs));
    expect(check(tick + periodMs + 100)).toEqual([{ cleared: 'missed', task: 'report' }]);
    expect(watch.state.missedTotal).toBe(1);
  });

  it('raises late for a run started after the grace, and clears it with a run on time', () => {
    const { watch, runs, check } = watcher();
    const tick = t0 + periodMs;
    runs.push(row(tick, { startedAt: new Date(tick + graceMs + 1) }));
    const [event] = check(tick + graceMs + 10);
    expect(event).toMatchObject({ alarm: 'late', lateMs: graceMs + 1 });
    expect(watch.state.lateTotal).toBe(1);
    runs.push(row(tick + periodMs));
    expect(check(tick + periodMs + 20)).toEqual([{ cleared: 'late', task: 'report' }]);
  });

  it('raises overrunning while a run goes on past maxRuntimeMs, and failing after failingAfter failed runs', () => {
    const { watch, runs, check } = watcher({ maxRuntimeMs: 5_000 });
    const tick = t0 + periodMs;
    runs.push(row(tick, { status: 'running', finishedAt: undefined }));
    expect(check(tick + 5_000)).toEqual([]);
    expect(check(tick + 5_011)).toEqual([
      expect.objectContaining({ alarm: 'overrunning', runningMs: 5_001 }),
    ]);
    expect(watch.state.overrunning).toBe(1);
    runs[0] = row(tick, { status: 'failed', error: 'boom' });
    runs.push(row(tick + periodMs, { status: 'lost' }));
    expect(check(tick + periodMs + 100)).toEqual([{ cleared: 'overrunning', task: 'report' }]);
    runs.push(row(tick + 2 * periodMs, { status: 'failed', error: 'boom again' }));
    expect(check(tick + 2 * periodMs + 100)).toEqual([
      { alarm: 'failing', task: 'report', failed: 3, error: 'boom again' },
    ]);
    expect(watch.state.lastRunAt).toEqual({
      failed: tick + 2 * periodMs + 50,
      lost: tick + periodMs + 50,
    });
    runs.push(row(tick + 3 * periodMs));
    expect(check(tick + 3 * periodMs + 100)).toEqual([{ cleared: 'failing', task: 'report' }]);
    expect(watch.state.lastSuccessAt).toBe(tick + 3 * periodMs + 50);
  });
});

describe('TaskWatch over simulated fleets', () => {
  afterEach(() => jest.useRealTimers());

  it('over 10,000 jittered ticks on skewed replicas: no false missed, every real miss within grace + one check', () => {
    // Deterministic: a seeded generator (mulberry32), so a failure replays.
    let seed = 26;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const every = 2_000;
    const grace = 1_000;
    const checkEvery = 250;
    const ticks = 10_000;
    // Each replica's clock is off by up to ±grace/4 (two replicas differ by up to grace/2);
    // each timer fires up to 0.45 × grace late. Together they stay below the grace.
    const skews = [-0.25, 0.25, 0.1].map((f) => f * grace);
    const maxJitter = 0.45 * grace;
    // Replica 2 is dead from tick 3,000 to 5,000: the others still judge every tick.
    const dead = (replica: number, k: number) => replica === 2 && k >= 3_000 && k < 5_000;
    // From tick 6,000 to 8,000 only the replica whose clock is behind runs ticks (the others'
    // jobs were deleted), and the one ahead judges them: the tightest case.
    const fires = (replica: number, k: number) =>
      !dead(replica, k) && (replica === 0 || k < 6_000 || k >= 8_000);

    jest.useFakeTimers({ now: t0 });
    const claimed = new Map<number, TaskRunRow>();
    const dropped = new Set<number>();
    const raised = new Map<number, number>(); // tick -> earliest local delay after the tick
    const falseMissed: number[] = [];
    // From tick 0 (a replica whose clock is behind sees it ahead), and past the last one judged.
    for (let k = 0; k <= ticks + 10; k++) {
      const tick = t0 + k * every;
      // A real miss: the whole fleet sleeps through the tick.
      if (k >= 1 && k <= ticks && random() < 0.01) {
        dropped.add(tick);
        continue;
      }
      skews.forEach((skew, replica) => {
        if (!fires(replica, k)) return;
        setTimeout(
          () => {
            if (claimed.has(tick)) return;
            const at = Date.now() + skew;
            claimed.set(tick, row(tick, { startedAt: new Date(at), finishedAt: new Date(at + 5) }));
          },
          tick - skew + random() * maxJitter - t0,
        );
      });
    }
    skews.forEach((skew, replica) => {
      const watch = new TaskWatch(
        'sim',
        everySchedule(every),
        { graceMs: grace, maxRuntimeMs: 60_000, failingAfter: 3 },
        t0 + skew,
      );
      setTimeout(() => {
        setInterval(() => {
          if (dead(replica, Math.floor((Date.now() - t0) / every))) return;
          const now = Date.now() + skew;
          const { from, to } = watch.window(now);
          const window: TaskRunRow[] = [];
          for (let at = Math.ceil((from - t0) / every) * every + t0; at <= to; at += every) {
            const run = claimed.get(at);
            if (run) window.push(run);
          }
          for (const event of watch.check(now, { window, running: [], latest: [] })) {
            if (!('alarm' in event) || event.alarm !== 'missed') continue;
            if (!dropped.has(event.scheduledAt)) falseMissed.push(event.scheduledAt);
            const delay = now - event.scheduledAt;
            raised.set(
              event.scheduledAt,
              Math.min(raised.get(event.scheduledAt) ?? Infinity, delay),
            );
          }
        }, checkEvery);
      }, random() * checkEvery);
    });
    jest.advanceTimersByTime(ticks * every + grace + 2 * checkEvery);

    const late = [...dropped].filter((tick) => !(raised.get(tick)! <= grace + checkEvery));
    process.stdout.write(
      `simulated ${ticks} ticks on ${skews.length} replicas: false missed=${falseMissed.length}, ` +
        `real misses=${dropped.size}, raised within grace + one check=${dropped.size - late.length}\n`,
    );
    expect(dropped.size).toBeGreaterThan(50);
    expect(falseMissed).toEqual([]);
    expect(late).toEqual([]);
  });
});
