import { fitsNumeric, jsonNumbers } from '../../../src/lib/query/numeric-range.js';

describe('fitsNumeric', () => {
  // The boundaries PostgreSQL 15 draws: each refused one is "value overflows numeric format".
  it.each([
    ['1e131071', true],
    ['12e131070', true],
    ['-1e131071', true],
    ['1e-16383', true],
    ['0e999999', true],
    ['0.000e5', true],
    ['1e131072', false],
    ['0.5e-16383', false],
    ['1e-16384', false],
    ['0e-20000', false],
    ['1e1000000', false],
    ['1e-1000000', false],
    ['1e2147483647', false],
  ])('%s: %s', (text, fits) => expect(fitsNumeric(text)).toBe(fits));
});

describe('jsonNumbers', () => {
  it('finds the numbers, not digits inside strings', () => {
    expect([...jsonNumbers('{"a1e9":[1,-2.5e3,"3\\"4"],"b":0}')]).toEqual(['1', '-2.5e3', '0']);
  });
});
