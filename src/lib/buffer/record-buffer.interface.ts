import type { MetaQueue } from '../queue/meta-queue.js';
import type { BrokerRole } from './buffer-options.interface.js';
import type { RecordIntake } from './record-intake.interface.js';
import type { RecordSource } from './record-source.interface.js';

/**
 * One application's buffer, in two parts: each engine's intake, and the
 * source the broker reads. Built once from the options; the producer side
 * never learns which kind it is.
 */
export interface RecordBuffer {
  /** What this application does with the buffer: a shared one (Redis) may be only published to, or only read. */
  readonly role: BrokerRole;
  /** The intake of one topic's engine, over its queue; called once per topic, as engines are made. */
  intake(topic: string, queue: MetaQueue): RecordIntake;
  /** The broker's side. */
  readonly source: RecordSource;
}
