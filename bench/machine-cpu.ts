import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { readProcStat, type ProcStat } from '../src/lib/utils/proc-stat.util.js';

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

/** Clock ticks a second in /proc: USER_HZ, 100 on every Linux the kernel's ABI allows. */
const ticksPerSecond = 100;

/** This machine's `postgres` processes now (Linux's /proc), with their /proc stat. */
export function postgresProcesses(): Map<string, ProcStat> {
  const found = new Map<string, ProcStat>();
  if (!existsSync('/proc')) return found;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = readProcStat(pid); // undefined: ended while listed
    if (stat?.comm === 'postgres') found.set(pid, stat);
  }
  return found;
}

/** Each `postgres` process's CPU so far, in clock ticks: its own, and its reaped children's. */
function postgresTicks(): Map<string, { own: number; children: number }> {
  const ticks = new Map<string, { own: number; children: number }>();
  for (const [pid, stat] of postgresProcesses()) {
    const [utime, stime, cutime, cstime] = [14, 15, 16, 17].map((n) => Number(stat.field(n)));
    ticks.set(pid, { own: utime + stime, children: cutime + cstime });
  }
  return ticks;
}

/**
 * CPU time of this machine's PostgreSQL so far, in µs: every process named
 * `postgres`, and what the reaped ones spent (a backend that ended since is
 * counted in its parent's children's time, so a window spans its end). A
 * backend reaped while /proc is read would be counted nowhere (read in its
 * parent before, gone after), so the reading is taken again until two in a
 * row agree on the processes and their children's time.
 */
function postgresMicros(): number {
  let last = postgresTicks();
  for (let tries = 0; tries < 10; tries++) {
    const now = postgresTicks();
    const same =
      now.size === last.size &&
      [...now].every(([pid, { children }]) => last.get(pid)?.children === children);
    last = now;
    if (same) break;
  }
  let ticks = 0;
  for (const { own, children } of last.values()) ticks += own + children;
  return (ticks / ticksPerSecond) * 1e6;
}

/**
 * The machine's CPU over timed runs, one of each figure a run: cores busy;
 * CPU µs per row of every process, of this machine's PostgreSQL, and of this
 * process (the app, or the raw COPY's client).
 */
export class MachineCpuRuns {
  readonly coresBusy: number[] = [];
  readonly microsPerRow: number[] = [];
  readonly postgresMicrosPerRow: number[] = [];
  readonly ownMicrosPerRow: number[] = [];

  /** Starts a run's window; the function returned ends it, over `rows` rows (without /proc/stat, nothing). */
  start(): (rows: number) => void {
    const cores = watchCores();
    const postgres = cores && postgresMicros();
    const own = process.cpuUsage();
    const started = performance.now();
    return (rows) => {
      if (!cores) return;
      const busy = cores();
      const { user, system } = process.cpuUsage(own);
      this.coresBusy.push(busy);
      this.microsPerRow.push((busy * (performance.now() - started) * 1_000) / rows);
      this.postgresMicrosPerRow.push((postgresMicros() - postgres!) / rows);
      this.ownMicrosPerRow.push((user + system) / rows);
    };
  }
}
