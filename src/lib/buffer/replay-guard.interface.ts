/**
 * What a source a fleet shares (Redis) offers a connector that keeps its own
 * copy of records across a crash, such as a file's spool. When a worker dies
 * between writing a batch and acknowledging it, another worker claims the same
 * records: this settles, record by record, which worker's copy keeps each one.
 */
export interface RecordOwnership {
  /**
   * From now on, records claimed for this sink after a crash are registered
   * as this run's before it writes them. Returns this run's writer name, to
   * keep with the copy so its recovery can tell its own claims from others'.
   */
  trackClaims(): string;
  /**
   * Of the record ids a copy left by a crash holds (written by `writer`,
   * unknown for a copy older than this), those it keeps: the others another
   * worker has. Rejects when the source cannot tell now (it cannot be
   * reached): the copy must then wait, neither kept nor dropped.
   */
  settle(ids: readonly string[], writer: string | undefined): Promise<ReadonlySet<string>>;
}
