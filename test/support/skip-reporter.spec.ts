import { jest } from '@jest/globals';
import { createRequire } from 'node:module';
import { format } from 'node:util';
import { requirement } from './requirement.js';

/** The skip report the README promises: every skipped title says what it needs. */
interface Reporter {
  onRunComplete(contexts: unknown, results: unknown): void;
  getLastError(): Error | undefined;
}
const SkipReporter = createRequire(import.meta.url)('./skip-reporter.cjs') as new (config: {
  testNamePattern?: string;
}) => Reporter;

const run = (titles: string[], testNamePattern?: string) => {
  const reporter = new SkipReporter({ testNamePattern });
  const testResults = titles.map((fullName) => ({ status: 'pending', fullName }));
  const written: string[] = [];
  const write = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((text) => written.push(String(text)) > 0);
  try {
    reporter.onRunComplete(new Set(), { testResults: [{ testResults }] });
  } finally {
    write.mockRestore();
  }
  return { output: written.join(''), error: reporter.getLastError() };
};

describe('the skip report', () => {
  it('gives one line per reason, with how many tests it skipped', () => {
    const { output, error } = run([
      'a [skipped: needs chromium (apt-get install chromium)]',
      'b [skipped: needs chromium (apt-get install chromium)]',
      'c [skipped: needs redis-server (apt-get install redis-server)]',
    ]);
    expect(output).toContain('  2 skipped: needs chromium (apt-get install chromium)\n');
    expect(output).toContain('  1 skipped: needs redis-server (apt-get install redis-server)\n');
    expect(error).toBeUndefined();
  });

  it('fails the run when a skipped test gives no reason, naming it', () => {
    const { output, error } = run(['the board in chromium, express adapter draws a chart']);
    expect(error?.message).toMatch(/1 skipped test\(s\) give no reason/);
    expect(error?.message).toContain('the board in chromium, express adapter draws a chart');
    expect(output).toContain('the board in chromium, express adapter draws a chart');
  });

  it('lets -t leave tests out without a reason', () => {
    expect(run(['left out by -t'], 'other').error).toBeUndefined();
  });
});

describe('requirement', () => {
  // The titles it would give Jest, read from a stand-in for Jest's describe.skip and it.skip.
  const titlesGiven = (define: (unmet: ReturnType<typeof requirement>) => void) => {
    const titles: string[] = [];
    const skip = Object.assign((name: string) => void titles.push(name), {
      each: (table: unknown[]) => (name: string) =>
        table.forEach((row) => titles.push(format(name, row))),
    });
    const jestGlobals = { describe: globalThis.describe, it: globalThis.it };
    Object.assign(globalThis, { describe: { skip }, it: { skip } });
    try {
      define(requirement('a tool', false, 'install it', { optionalInCi: true }));
    } finally {
      Object.assign(globalThis, jestGlobals);
    }
    return titles;
  };

  it('ends every title it skips with the reason, .each titles too', () => {
    const titles = titlesGiven(({ describe, it }) => {
      describe('a group', () => undefined);
      describe.each(['express', 'fastify'])('the board, %s adapter', () => undefined);
      it('a test', () => undefined);
      it.each([1, 2])('case %s', () => undefined);
    });
    const reason = '[skipped: needs a tool (install it)]';
    expect(titles).toEqual([
      `a group ${reason}`,
      `the board, express adapter ${reason}`,
      `the board, fastify adapter ${reason}`,
      `a test ${reason}`,
      `case 1 ${reason}`,
      `case 2 ${reason}`,
    ]);
  });
});
