import {
  RoundRobinBatcher,
  type BatchLane,
} from '../../../../src/lib/buffer/memory/round-robin-batcher.js';

function lane(name: string, size: number): BatchLane<string> & { items: string[] } {
  const items = Array.from({ length: size }, (_, i) => `${name}${i}`);
  return {
    items,
    get size() {
      return items.length;
    },
    take: (max) => items.splice(0, max),
  };
}

function drain(next: () => string[]): string[][] {
  const batches: string[][] = [];
  for (let batch = next(); batch.length > 0; batch = next()) batches.push(batch);
  return batches;
}

describe('RoundRobinBatcher', () => {
  it('serves every topic within as many batches as there are topics, however busy one is', () => {
    const batcher = new RoundRobinBatcher<string>();
    const lanes = [lane('a', 1_000), lane('b', 5), lane('c', 5)];
    const batches = drain(batcher.pass(lanes, 100));
    const firstTwo = batches.slice(0, 2).flat();
    expect(firstTwo.filter((r) => r.startsWith('b'))).toHaveLength(5);
    expect(firstTwo.filter((r) => r.startsWith('c'))).toHaveLength(5);
    expect(batches.slice(0, -1).every((batch) => batch.length === 100)).toBe(true);
    expect(batches.flat()).toHaveLength(1_010);
  });

  it('starts each batch one topic further on, so a small batch size is shared fairly', () => {
    const batcher = new RoundRobinBatcher<string>();
    const lanes = [lane('a', 30), lane('b', 30), lane('c', 30)];
    const batches = drain(batcher.pass(lanes, 1));
    const firstNine = batches.slice(0, 9).map(([r]) => r[0]);
    expect(firstNine).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
    expect(batches).toHaveLength(90);
  });

  it('takes only what the queues held when the pass began, in order', () => {
    const batcher = new RoundRobinBatcher<string>();
    const a = lane('a', 10);
    const next = batcher.pass([a], 4);
    a.items.push('late');
    const batches = drain(next);
    expect(batches.flat()).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));
    expect(a.items).toEqual(['late']);
  });

  it('ends the pass when a queue shrank under it (drop-oldest)', () => {
    const batcher = new RoundRobinBatcher<string>();
    const a = lane('a', 10);
    const next = batcher.pass([a], 4);
    a.items.splice(0, 8);
    expect(drain(next).flat()).toEqual(['a8', 'a9']);
  });

  it('gives an empty batch for no queues', () => {
    expect(new RoundRobinBatcher<string>().pass([], 10)()).toEqual([]);
  });
});
