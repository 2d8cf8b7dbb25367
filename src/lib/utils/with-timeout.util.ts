/**
 * Settles as `work` does, or rejects with `onTimeout()` after `timeoutMs`; the
 * work itself goes on. A later failure of work nobody awaits any more is
 * swallowed here, so it never surfaces as an unhandled rejection.
 */
export async function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<T> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
