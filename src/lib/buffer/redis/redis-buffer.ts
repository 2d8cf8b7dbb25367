import type { MetaQueue } from '../../queue/meta-queue.js';
import type { BrokerRole } from '../buffer-options.interface.js';
import type { RecordBuffer } from '../record-buffer.interface.js';
import type { RecordIntake } from '../record-intake.interface.js';
import type { ResolvedRedisBufferOptions } from './redis-buffer-options.js';
import { RedisRecordSource } from './redis-record-source.js';

/** Records wait in Redis streams a fleet shares: each engine's intake is its queue in front of its stream. */
export class RedisBuffer implements RecordBuffer {
  readonly source: RedisRecordSource;

  constructor(
    /** Resolved once, here; the tasks' tick claims connect with them too. */
    readonly options: ResolvedRedisBufferOptions,
    readonly role: BrokerRole,
  ) {
    this.source = new RedisRecordSource(options);
  }

  intake(topic: string, queue: MetaQueue): RecordIntake {
    return this.source.intake(topic, queue);
  }
}
