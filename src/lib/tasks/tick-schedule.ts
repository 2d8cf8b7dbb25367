import type { CronTime } from 'cron';

/**
 * The ticks of a task's schedule, as times in milliseconds: what every
 * replica agrees on, since the key of a tick is its scheduled time. `every`
 * ticks at the multiples of its period since the epoch, wherever a replica
 * started; `cron` where its expression says, in its time zone.
 */
export interface TickSchedule {
  /** The first tick strictly after `at`. */
  next(at: number): number;
  /** The shortest time between two ticks near `at`: the watch's default grace is a fraction of it. */
  intervalAt(at: number): number;
}

export function everySchedule(periodMs: number): TickSchedule {
  return {
    next: (at) => (Math.floor(at / periodMs) + 1) * periodMs,
    intervalAt: () => periodMs,
  };
}

/** A cron job's ticks; read from the job each time, so `setTime()` on it is followed. */
export function cronSchedule(cronTime: () => CronTime): TickSchedule {
  const next = (at: number) => {
    const time = cronTime();
    return time.getNextDateFrom(new Date(at), time.timeZone).toMillis();
  };
  return {
    next,
    intervalAt: (at) => {
      // Of the next few gaps, the shortest: `0 9,10 * * *` is judged by its one-hour gap.
      let shortest = Infinity;
      let tick = next(at);
      for (let i = 0; i < 3; i++) {
        const following = next(tick);
        shortest = Math.min(shortest, following - tick);
        tick = following;
      }
      return shortest;
    },
  };
}

/** The ticks after `from` up to `to` included, oldest first; at most `max` of them (the latest). */
export function ticksBetween(
  schedule: TickSchedule,
  from: number,
  to: number,
  max = 1_000,
): number[] {
  const ticks: number[] = [];
  for (let tick = schedule.next(from); tick <= to; tick = schedule.next(tick)) {
    ticks.push(tick);
    if (ticks.length > max) ticks.shift();
  }
  return ticks;
}

/**
 * The tick a timer that fired at `now` stands for, after the last one run
 * here: the latest one due by then, however late the timer fired; else the
 * next one, if it is due within `earlyMs` (a timer may fire a little early);
 * `undefined` if none is. Ticks the event loop slept through are not run
 * late, one after another: the watch reports them missed. A late timer runs
 * its own tick late, not the next one early: that would leave its own
 * unclaimed, reported missed, though the loop was only slow.
 */
export function dueTick(
  schedule: TickSchedule,
  now: number,
  after: number,
  earlyMs: number,
): number | undefined {
  const next = schedule.next(after);
  if (next > now) return next <= now + earlyMs ? next : undefined;
  let due = next;
  for (let tick = schedule.next(due); tick <= now; tick = schedule.next(tick)) due = tick;
  return due;
}
