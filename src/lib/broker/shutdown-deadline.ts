import { ShutdownDeadlineError } from '../errors/metaqueue.errors.js';
import { withTimeout } from '../utils/with-timeout.util.js';

/**
 * Awaits `work` until `deadline` (a `Date.now()` instant). If the deadline
 * passes first, or a retry gave up on it, calls `giveUp` instead of throwing:
 * a sink that never answers must not hold shutdown either.
 */
export async function untilDeadline(
  work: Promise<void>,
  deadline: number,
  giveUp: () => void,
): Promise<void> {
  try {
    await withTimeout(work, deadline - Date.now(), () => new ShutdownDeadlineError(undefined));
  } catch (error) {
    if (!(error instanceof ShutdownDeadlineError)) throw error;
    giveUp();
  }
}
