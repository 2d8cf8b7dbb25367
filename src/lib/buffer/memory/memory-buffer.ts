import type { MetaQueue } from '../../queue/meta-queue.js';
import type { BrokerRole } from '../buffer-options.interface.js';
import type { RecordBuffer } from '../record-buffer.interface.js';
import type { RecordIntake } from '../record-intake.interface.js';
import { TopicQueues } from '../topic-queues.js';
import { MemoryRecordSource } from './memory-record-source.js';

/** Records wait in the topics' queues: each engine's intake is its queue. */
export class MemoryBuffer implements RecordBuffer {
  readonly role: BrokerRole = 'both';
  private readonly queues = new TopicQueues();
  readonly source = new MemoryRecordSource(this.queues);

  intake(topic: string, queue: MetaQueue): RecordIntake {
    this.queues.add(topic, queue);
    // Only its engine offers into the queue, so it holds that engine's records.
    return queue as RecordIntake;
  }
}
