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
