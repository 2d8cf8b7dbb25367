import type { SettledOffer } from '../queue/meta-queue-options.interface.js';
import type { MetadataRecord } from '../record/metadata.interface.js';
import type { StreamRefusal } from './source-report.interface.js';

/**
 * What became of an offered record: `SettledOffer`, `timeout` (a blocked
 * publish waited `blockTimeoutMs`), `evicted` (`drop-oldest` pushed it out
 * before the buffer had it: its own publish counts the drop), or `refused`
 * (Redis answered its append with an error, and the policy is `error`).
 */
export type IntakeOutcome = SettledOffer | 'timeout' | 'evicted' | { refused: StreamRefusal };

/**
 * Where an engine puts the records it stamped, made for it by the buffer:
 * the topic's queue (memory), the queue in front of the log (disk), or the
 * queue in front of the stream (Redis). The engine never knows which.
 */
export interface RecordIntake {
  /**
   * Offers a record; settles once the buffer has it, or the overflow policy
   * acted. `onEvicted` hears of an accepted record that `drop-oldest` pushed
   * out for it.
   */
  offer(
    record: MetadataRecord,
    onEvicted: (evicted: MetadataRecord) => void,
  ): IntakeOutcome | Promise<IntakeOutcome>;
  /** Refuses every later offer, and the ones still waiting. */
  close(): void;
}
