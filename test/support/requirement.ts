/**
 * For tests that need something a machine may lack: a tool, a server, a
 * mount. When it is missing the tests are skipped and the run says why: the
 * reason goes into each skipped title, which test/support/skip-reporter.cjs
 * lists after the run. Under CI (.ci/run sets CI=true, and installs every
 * tool) a missing tool fails the run instead, unless the requirement is one
 * CI meets only in one of its runs.
 */
export function requirement(
  what: string,
  met: boolean,
  why: string,
  { optionalInCi = false } = {},
): { describe: jest.Describe; it: jest.It } {
  if (!met && process.env.CI && !optionalInCi) throw new Error(`CI needs ${what}: ${why}`);
  if (met) return { describe, it };
  const reason = skipReason(`needs ${what} (${why})`);
  // Every way to name a test, `.each` too, puts the reason in the title: Jest's own
  // describe.skip.each would skip it under the bare title.
  const marked = <F extends (name: string, ...rest: never[]) => unknown>(skip: F) =>
    ((name: string, ...rest: never[]) => skip(`${name} ${reason}`, ...rest)) as F;
  const each =
    (skip: jest.Describe | jest.It) =>
    (...table: unknown[]) =>
    (name: string, ...rest: unknown[]) =>
      (skip.each as (...table: unknown[]) => (...args: unknown[]) => void)(...table)(
        `${name} ${reason}`,
        ...rest,
      );
  return {
    describe: Object.assign(marked(describe.skip), describe.skip, {
      each: each(describe.skip),
    }),
    it: Object.assign(marked(it.skip), it.skip, { each: each(it.skip) }) as jest.It,
  };
}

/** The mark skip-reporter.cjs reads a reason from: `[skipped: REASON]` at the end of a title. */
export function skipReason(reason: string): string {
  return `[skipped: ${reason}]`;
}
