import { retentionMs } from '../../../../src/lib/store/partitions/retention-horizon.js';

describe('retention periods', () => {
  it.each([
    ['90d', 90 * 86_400_000],
    ['12w', 12 * 7 * 86_400_000],
    ['36h', 36 * 3_600_000],
    ['1.5d', 1.5 * 86_400_000],
  ])('%s', (period, ms) => expect(retentionMs(period)).toBe(ms));

  it.each(['', '90', 'd', '0d', '-1d', '90 d', '90D', '3m', 90, undefined, null])(
    'refuses %p',
    (period) => expect(retentionMs(period)).toBeUndefined(),
  );
});
