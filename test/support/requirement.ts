/**
 * For tests that need something a machine may lack: a tool, a server, a
 * mount. When it is missing the tests are skipped and the run says why; under
 * CI (.ci/run sets CI=true, and installs every tool) a missing tool fails the
 * run instead, unless the requirement is one CI meets only in one of its runs.
 */
export function requirement(
  what: string,
  met: boolean,
  why: string,
  { optionalInCi = false } = {},
): { describe: jest.Describe; it: jest.It } {
  if (!met && process.env.CI && !optionalInCi) throw new Error(`CI needs ${what}: ${why}`);
  if (!met) process.stdout.write(`skipped: the tests that need ${what} (${why})\n`);
  return { describe: met ? describe : describe.skip, it: met ? it : it.skip };
}
