import type { MetaQueue } from '../../queue/meta-queue.js';
import type { BrokerRole } from '../buffer-options.interface.js';
import { JournaledIntake } from '../journaled-intake.js';
import type { RecordBuffer } from '../record-buffer.interface.js';
import type { RecordIntake } from '../record-intake.interface.js';
import { TopicQueues } from '../topic-queues.js';
import type { ResolvedDiskBuffer } from './disk-buffer-options.js';
import { DiskRecordSource } from './disk-record-source.js';

/** Records wait in a write-ahead log on disk: each engine's intake is its queue in front of the log. */
export class DiskBuffer implements RecordBuffer {
  readonly role: BrokerRole = 'both';
  private readonly queues = new TopicQueues();
  readonly source: DiskRecordSource;

  constructor(options: ResolvedDiskBuffer) {
    this.source = new DiskRecordSource(this.queues, options);
  }

  intake(topic: string, queue: MetaQueue): RecordIntake {
    this.queues.add(topic, queue);
    return new JournaledIntake(queue, this.source.journal);
  }
}
