import { quoteForLog } from '../../../src/lib/utils/quote-for-log.util.js';

describe('quoteForLog', () => {
  it('escapes what would break or disguise a log line', () => {
    const quoted = quoteForLog('a\nb\r\u001b[31m\u007f\u0085\u2028"');
    expect(quoted).toBe('"a\\nb\\r\\u001b[31m\\u007f\\u0085\\u2028\\""');
    for (const raw of ['\n', '\r', '\u001b', '\u007f', '\u0085', '\u2028']) {
      expect(quoted).not.toContain(raw);
    }
  });

  it('cuts what is long', () => {
    expect(quoteForLog('x'.repeat(500), 10)).toBe(`"${'x'.repeat(10)}…"`);
  });
});
