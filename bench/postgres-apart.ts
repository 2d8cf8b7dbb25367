import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { postgresProcesses } from './machine-cpu.js';

/** Undoes the pinning: every process on every core again. */
export type Unpin = () => void;

/** Sets `pid`'s CPU affinity, every thread of it; the error's text, or undefined. */
function pin(pid: string | number, cores: string): string | undefined {
  const result = spawnSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cores, String(pid)], {
    encoding: 'utf8',
  });
  if (result.error) return result.error.message;
  return result.status === 0 ? undefined : result.stderr.trim() || `exit ${result.status}`;
}

/**
 * Puts this machine's PostgreSQL on a core of its own (its last) and this
 * process on the others, with taskset(1): what a core more for the app
 * would change, on a machine that has no more. New backends are forked by
 * the postmaster, so they inherit its core. Returns how to undo it, or why
 * it cannot be done here (one core, no taskset, no local PostgreSQL, or not
 * allowed to move another user's processes).
 */
export function pinPostgresApart(): Unpin | string {
  const cores = availableParallelism();
  if (cores < 2) return 'one core: nothing to put apart';
  const postgres = [...postgresProcesses().keys()];
  if (postgres.length === 0) return 'no postgres process on this machine';
  const all = `0-${cores - 1}`;
  const unpin = () => {
    // Backends started meanwhile run on PostgreSQL's core too.
    for (const pid of postgresProcesses().keys()) pin(pid, all);
    pin(process.pid, all);
  };
  const refused =
    pin(process.pid, `0-${cores - 2}`) ??
    postgres
      .map((pid) => pin(pid, String(cores - 1)))
      // A backend that ended while listed is no refusal.
      .find((error, i) => error !== undefined && existsSync(`/proc/${postgres[i]}`));
  if (refused === undefined) return unpin;
  unpin();
  return `taskset: ${refused}`;
}
