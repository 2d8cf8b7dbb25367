import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { postgresProcesses } from './machine-cpu.js';

/** Undoes the pinning: every process back on the cores it had. */
export type Unpin = () => void;

/** The cores `pid` may run on, as the kernel lists them ("0-3,6"); undefined if it is gone. */
function allowedCores(pid: string | number): string | undefined {
  try {
    return /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** "0-2,5" as [0, 1, 2, 5]. */
function coreNumbers(list: string): number[] {
  return list.split(',').flatMap((range) => {
    const [first, last = first] = range.split('-').map(Number);
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  });
}

/** Sets `pid`'s CPU affinity, every thread of it; the error's text, or undefined. */
function pin(pid: string | number, cores: string): string | undefined {
  const result = spawnSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cores, String(pid)], {
    encoding: 'utf8',
  });
  if (result.error) return result.error.message;
  return result.status === 0 ? undefined : result.stderr.trim() || `exit ${result.status}`;
}

/**
 * Puts this machine's PostgreSQL on a core of its own (the last this
 * process may use) and this process on the others, with taskset(1): what a
 * core more for the app would change, on a machine that has no more. New
 * backends are forked by the postmaster, so they inherit its core. Returns
 * how to undo it, or why it cannot be done here (one core, no taskset, no
 * local PostgreSQL, or not allowed to move another user's processes).
 */
export function pinPostgresApart(): Unpin | string {
  const ours = allowedCores(process.pid);
  const cores = ours === undefined ? [] : coreNumbers(ours);
  if (cores.length < 2) return 'fewer than two cores to put apart';
  const processes = postgresProcesses();
  const before = new Map<string, string>();
  for (const pid of processes.keys()) {
    const list = allowedCores(pid);
    if (list !== undefined) before.set(pid, list);
  }
  // The postmaster is the one whose parent is no postgres; a backend started meanwhile gets its cores.
  const postmaster = [...processes].find(([, stat]) => !processes.has(stat.field(4) ?? ''))?.[0];
  const postmasterCores = postmaster && before.get(postmaster);
  if (!postmasterCores) return 'no postgres process on this machine';
  const unpin = () => {
    for (const pid of postgresProcesses().keys()) pin(pid, before.get(pid) ?? postmasterCores);
    pin(process.pid, ours!);
  };
  const refused =
    pin(process.pid, cores.slice(0, -1).join(',')) ??
    [...before.keys()]
      .map((pid) => [pid, pin(pid, String(cores[cores.length - 1]))] as const)
      // A backend that ended while listed is no refusal.
      .find(([pid, error]) => error !== undefined && existsSync(`/proc/${pid}`))?.[1];
  if (refused === undefined) return unpin;
  unpin();
  return `taskset: ${refused}`;
}
