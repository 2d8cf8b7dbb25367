import { Deque } from '../../../src/lib/queue/deque.js';

/** A deque whose backing store counts every slot read and write. */
class CountingDeque<T> extends Deque<T> {
  accesses = 0;

  protected override allocate(capacity: number): (T | undefined)[] {
    const slots = super.allocate(capacity);
    return new Proxy(slots, {
      get: (target, key, receiver) => {
        if (typeof key === 'string' && /^\d+$/.test(key)) this.accesses++;
        return Reflect.get(target, key, receiver) as unknown;
      },
      set: (target, key, value, receiver) => {
        if (typeof key === 'string' && /^\d+$/.test(key)) this.accesses++;
        return Reflect.set(target, key, value, receiver);
      },
    });
  }
}

describe('Deque', () => {
  it('is FIFO across wrap-around and growth', () => {
    const deque = new Deque<number>(4);
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < round % 7; i++) {
        deque.push(next);
        expected.push(next++);
      }
      for (let i = 0; i < round % 5; i++) expect(deque.shift()).toBe(expected.shift());
    }
    expect(deque.size).toBe(expected.length);
    expect(deque.take(Infinity)).toEqual(expected);
    expect(deque.shift()).toBeUndefined();
  });

  it('takes at most what it holds, oldest first', () => {
    const deque = new Deque<string>();
    ['a', 'b', 'c'].forEach((x) => deque.push(x));
    expect(deque.take(2)).toEqual(['a', 'b']);
    expect(deque.take(10)).toEqual(['c']);
    expect(deque.take(10)).toEqual([]);
  });

  it('touches the same number of slots per push + shift at a 1,000,000 backlog as at 1,000', () => {
    const costAt = (backlog: number): number => {
      const deque = new CountingDeque<number>(2 * backlog);
      for (let i = 0; i < backlog; i++) deque.push(i);
      deque.accesses = 0;
      for (let i = 0; i < 100; i++) {
        deque.push(i);
        deque.shift();
      }
      return deque.accesses / 100;
    };
    const small = costAt(1_000);
    const large = costAt(1_000_000);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(3);
  });
});
