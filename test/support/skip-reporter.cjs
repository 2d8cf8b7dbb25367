// A Jest reporter that says, after the summary, why tests were skipped: the
// reason each skipped title carries (`[skipped: REASON]`, see requirement.ts),
// one line per reason; a skipped test without one is listed by name.
class SkipReporter {
  constructor(globalConfig) {
    // With -t, the tests it leaves out are skipped too: only marked ones are worth a line.
    this.filtered = Boolean(globalConfig.testNamePattern);
  }

  onRunComplete(_contexts, results) {
    const reasons = new Map();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status !== 'pending') continue;
        const marked = /\[skipped: (.*)\]/.exec(test.fullName)?.[1];
        if (!marked && this.filtered) continue;
        const reason = marked ?? `no reason given: ${test.fullName}`;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
    if (reasons.size === 0) return;
    const lines = [...reasons].map(([reason, n]) => `  ${n} skipped: ${reason}`);
    process.stderr.write(`Why tests were skipped:\n${lines.join('\n')}\n`);
  }
}
module.exports = SkipReporter;
