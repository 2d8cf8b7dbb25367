import { availableParallelism, loadavg } from 'node:os';

/**
 * How many times slower than when idle this machine runs now: its load
 * average over its cores, at least 1. At load 9 on 2 cores, as a reviewer's
 * machine was, a test takes four or five times as long.
 */
export function slowdown(): number {
  return Math.max(1, loadavg()[0] / availableParallelism());
}

/**
 * A bound on a wait that only catches a hang, never a slow machine: `ms` is
 * several times what the work takes here when idle, and it grows with the
 * load. Tests wait for a condition, and fail at this bound only if it never
 * comes.
 */
export function hangBound(ms: number): number {
  return Math.round(ms * slowdown());
}
