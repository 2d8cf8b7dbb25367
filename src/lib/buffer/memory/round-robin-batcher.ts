/** A queue the batcher takes from: a topic's engine. */
export interface BatchLane<T> {
  readonly size: number;
  take(max: number): T[];
}

/**
 * Cuts batches across several queues, round-robin, so no topic starves the
 * others. Each pass takes only what the queues held when it began, and the
 * next pass starts one queue further on.
 */
export class RoundRobinBatcher<T> {
  private start = 0;

  /** A pass over what `lanes` hold now: call the result until it returns an empty batch. */
  pass(lanes: readonly BatchLane<T>[], maxBatchSize: number): () => T[] {
    const remaining = lanes.map((lane) => lane.size);
    return () => {
      const batch: T[] = [];
      for (let visited = 0; visited < lanes.length; visited++) {
        const i = (this.start + visited) % lanes.length;
        const want = Math.min(remaining[i], maxBatchSize - batch.length);
        if (want <= 0) continue;
        const taken = lanes[i].take(want);
        // A drop-oldest queue may hold fewer than it did when the pass began.
        remaining[i] = taken.length < want ? 0 : remaining[i] - taken.length;
        for (const item of taken) batch.push(item);
      }
      this.start = (this.start + 1) % Math.max(1, lanes.length);
      return batch;
    };
  }
}
