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
  return {
    describe: Object.assign(
      (name: string, fn: () => void) => describe.skip(`${name} ${reason}`, fn),
      describe.skip,
    ),
    it: Object.assign(
      (name: string, fn?: jest.ProvidesCallback, timeout?: number) =>
        it.skip(`${name} ${reason}`, fn, timeout),
      it.skip,
    ),
  };
}

/** The mark skip-reporter.cjs reads a reason from: `[skipped: REASON]` at the end of a title. */
export function skipReason(reason: string): string {
  return `[skipped: ${reason}]`;
}
