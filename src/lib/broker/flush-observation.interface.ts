/** What `BrokerService` tells its flush observers after each flush pass that stored records. */
export interface FlushObservation {
  /** From taking the first batch off the queues to the last batch of the pass stored. */
  durationSeconds: number;
  /** Records the pass stored (dead-lettered ones included). */
  records: number;
}
