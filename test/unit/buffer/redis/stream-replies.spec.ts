import { fieldsOf, groupRead } from '../../../../src/lib/buffer/redis/stream-replies.js';

describe('stream replies', () => {
  it('reads an XREADGROUP reply as one group read per stream, and none for null', () => {
    const entries = [['1-0', ['r', 'x']]];
    expect(groupRead('store', [['q:a', entries]])).toEqual([
      { group: 'store', stream: 'q:a', entries },
    ]);
    expect(groupRead('store', null)).toEqual([]);
  });

  it("reads XINFO's flat list as fields", () => {
    expect(fieldsOf(['name', 'store', 'pending', 2, 'lag', null])).toEqual({
      name: 'store',
      pending: 2,
      lag: null,
    });
  });
});
