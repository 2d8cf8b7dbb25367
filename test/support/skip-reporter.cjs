// A Jest reporter that says, after the summary, why tests were skipped: the
// reason each skipped title carries (`[skipped: REASON]`, see requirement.ts),
// one line per reason. A skipped test without one fails the run, naming it:
// the README promises that every skip says what it needs.
class SkipReporter {
  constructor(globalConfig) {
    // With -t, the tests it leaves out are skipped too: only marked ones are worth a line.
    this.filtered = Boolean(globalConfig.testNamePattern);
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    const reasons = new Map();
    const unexplained = [];
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status !== 'pending') continue;
        const reason = /\[skipped: (.*)\]/.exec(test.fullName)?.[1];
        if (reason) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        else if (!this.filtered) unexplained.push(test.fullName);
      }
    }
    const lines = [...reasons].map(([reason, n]) => `  ${n} skipped: ${reason}`);
    if (lines.length > 0) process.stderr.write(`Why tests were skipped:\n${lines.join('\n')}\n`);
    if (unexplained.length > 0) {
      this.error = new Error(
        `${unexplained.length} skipped test(s) give no reason; skip them with requirement() ` +
          `or end the title with skipReason() (test/support/requirement.ts):\n` +
          unexplained.map((name) => `  ${name}`).join('\n'),
      );
      process.stderr.write(`${this.error.message}\n`);
    }
  }

  // Jest fails the run when a reporter has an error to give.
  getLastError() {
    return this.error;
  }
}
module.exports = SkipReporter;
