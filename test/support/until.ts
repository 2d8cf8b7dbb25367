import { withTimeout } from '../../src/lib/utils/with-timeout.util.js';
import { hangBound } from './hang-bound.js';

/**
 * Resolves once `condition` holds, checked every 20 ms. Throws if it has not
 * after `timeoutMs`, a bound for hangs that grows with the machine's load.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + hangBound(timeoutMs);
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * `promise`, or a rejection naming `what` if it has not settled within
 * `timeoutMs` (grown with the load): a step that hangs fails by its name,
 * not as the whole test's timeout.
 */
export function settles<T>(promise: Promise<T>, what: string, timeoutMs = 20_000): Promise<T> {
  const bound = hangBound(timeoutMs);
  return withTimeout(promise, bound, () => new Error(`${what}: not settled after ${bound} ms`));
}
