import { StreamGroups } from '../../../../src/lib/buffer/redis/stream-groups.js';

describe('StreamGroups', () => {
  it('pairs every sink group with every stream, streams added after it was made', () => {
    const groups = new StreamGroups();
    expect(groups.pairs()).toEqual([]);
    groups.streams.push('q:a', 'q:b');
    groups.sinks = ['store', 'file'];
    expect(groups.pairs()).toEqual([
      { group: 'store', stream: 'q:a' },
      { group: 'store', stream: 'q:b' },
      { group: 'file', stream: 'q:a' },
      { group: 'file', stream: 'q:b' },
    ]);
  });
});
