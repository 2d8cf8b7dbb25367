import { AsyncLocalStorage } from 'node:async_hooks';

/** The scheduled run a publish happens in, if any: the run's id, and how many records it published. */
export interface RunScope {
  readonly runId: string;
  published: number;
}

/**
 * Carries the run under way through the task's own awaits, so its publishes
 * need no argument: a record it publishes without `context` gets the run's
 * id, and every record it publishes counts toward the run's row.
 */
export const runScope = new AsyncLocalStorage<RunScope>();
