import {
  defaultReadPoolSize,
  resolveReadOptions,
} from '../../../../src/lib/store/reads/metadata-reads.provider.js';

describe('read options', () => {
  it.each([
    [1, 1],
    [2, 1],
    [3, 2],
    [4, 3],
    [64, 3],
  ])(
    'on %i cores, reads get %i connections by default: a core is left to the writer',
    (cores, size) => {
      expect(defaultReadPoolSize(cores)).toBe(size);
    },
  );

  it('takes the pool size given, and fills in the rest', () => {
    expect(resolveReadOptions({ poolSize: 5 })).toEqual({
      poolSize: 5,
      statementTimeoutMs: 15_000,
      stalledClientTimeoutMs: 10_000,
    });
    expect(resolveReadOptions().poolSize).toBe(defaultReadPoolSize());
  });
});
