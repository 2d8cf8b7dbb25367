import { isRecordId, newRecordId } from '../../../src/lib/record/record-id.js';

describe('newRecordId', () => {
  it('makes random version 4 UUIDs, each once, across refills of its random bytes', () => {
    const ids = Array.from({ length: 10_000 }, () => newRecordId());
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(isRecordId(id)).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses every hex digit in every random position', () => {
    const seen = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 2_000; i++) [...newRecordId()].forEach((c, at) => seen[at].add(c));
    // 30 of the 32 digits are random; the version digit and the variant's two bits are not.
    const fixed = new Set([8, 13, 14, 18, 19, 23]);
    seen.forEach((digits, at) => {
      if (!fixed.has(at)) expect(digits.size).toBe(16);
    });
    expect([...seen[14]]).toEqual(['4']);
    expect([...seen[19]].sort()).toEqual(['8', '9', 'a', 'b']);
  });
});
