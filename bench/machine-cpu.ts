import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** The machine's CPU time so far, in clock ticks summed over its cores: all of it, and the busy part. */
function machineTicks(): { total: number; busy: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
  // user nice system idle iowait irq softirq steal (guest time is already in user and nice)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = ticks.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { total: busy + idle + iowait, busy };
}

/**
 * Starts watching the machine's CPU (/proc/stat, Linux): the function
 * returned tells how many of its cores were busy since, on average (every
 * process: the app, PostgreSQL on this machine, the load generator).
 * Undefined where there is no /proc/stat.
 */
export function watchCores(): (() => number) | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const before = machineTicks();
  return () => {
    const after = machineTicks();
    return ((after.busy - before.busy) / (after.total - before.total)) * cpus().length;
  };
}

/** The machine's CPU over timed runs: cores busy, and CPU µs per row, one of each a run. */
export class MachineCpuRuns {
  readonly coresBusy: number[] = [];
  readonly microsPerRow: number[] = [];

  /** Starts a run's window; the function returned ends it, over `rows` rows (without /proc/stat, nothing). */
  start(): (rows: number) => void {
    const cores = watchCores();
    const started = performance.now();
    return (rows) => {
      if (!cores) return;
      const busy = cores();
      this.coresBusy.push(busy);
      this.microsPerRow.push((busy * (performance.now() - started) * 1_000) / rows);
    };
  }
}
