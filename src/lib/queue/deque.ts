/**
 * A growable ring buffer: push at the tail, take from the head, both O(1).
 * Arrays are no substitute: `Array.prototype.shift` copies the whole backlog
 * once it is past V8's small-array fast path (~16k items).
 */
export class Deque<T> {
  private slots: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 16) {
    this.slots = this.allocate(Math.max(2, initialCapacity));
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) % this.slots.length] = item;
    this.count++;
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined; // let the item be collected
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** Removes and returns up to `max` of the oldest items, oldest first. */
  take(max: number): T[] {
    const n = Math.min(max, this.count);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = this.shift() as T;
    return out;
  }

  /** Creates the backing store: the one seam tests use to count slot accesses. */
  protected allocate(capacity: number): (T | undefined)[] {
    return new Array<T | undefined>(capacity);
  }

  private grow(): void {
    const next = this.allocate(this.slots.length * 2);
    for (let i = 0; i < this.count; i++) {
      next[i] = this.slots[(this.head + i) % this.slots.length];
    }
    this.slots = next;
    this.head = 0;
  }
}
