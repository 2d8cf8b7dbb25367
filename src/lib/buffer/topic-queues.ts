import type { MetaQueue } from '../queue/meta-queue.js';
import type { Topic } from '../record/topic.interface.js';

/**
 * The topics' queues a buffer made intakes over, in the order the engines
 * were made: what the memory source and the disk log's writer take from.
 */
export class TopicQueues {
  private readonly queues = new Map<Topic, MetaQueue>();

  add(topic: Topic, queue: MetaQueue): void {
    this.queues.set(topic, queue);
  }

  get topics(): Topic[] {
    return [...this.queues.keys()];
  }

  all(): MetaQueue[] {
    return [...this.queues.values()];
  }

  /** Records queued now, in every queue. */
  get size(): number {
    let size = 0;
    for (const queue of this.queues.values()) size += queue.size;
    return size;
  }

  /**
   * Calls `listener` whenever a queue holds `threshold` records or is full:
   * in front of a log or stream that is full, the queues fill next.
   */
  watchBacklog(threshold: number, listener: () => void): void {
    for (const queue of this.queues.values()) queue.watchBacklog(threshold, listener);
  }

  /** Refuses later offers, and those waiting for space. */
  close(): void {
    for (const queue of this.queues.values()) queue.close();
  }
}
