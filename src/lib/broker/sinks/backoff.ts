/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half
 * random, so instances retrying together spread out but never hammer.
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
