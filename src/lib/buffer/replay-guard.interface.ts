import type { MetadataRecord } from '../record/metadata.interface.js';

/**
 * What keeps a sink that holds its own copy of records across a crash (a
 * file's spool) from writing a record twice when the buffer hands it out
 * again. The buffer gives one per sink (`RecordSource.replayGuard`): for
 * memory and disk a skip file beside the copy (one process replays in
 * order), for Redis the fleet's ownership register (another worker may have
 * claimed and written what the crashed copy holds).
 */
export interface ReplayGuard {
  /** Called once as the sink opens; resolves to this run's writer name, to keep with each copy it starts. */
  open(): Promise<string | undefined>;
  /**
   * A copy a crash left holds `ids`, written by `writer` (unknown for a copy
   * older than writer names): resolves to the ids it keeps, which the sink
   * must not write again. Rejects when the buffer cannot tell now (Redis
   * cannot be reached): the copy must then wait, neither kept nor dropped.
   */
  settle(ids: ReadonlySet<string>, writer: string | undefined): Promise<ReadonlySet<string>>;
  /**
   * Writes a batch through `write`, less the records a kept copy already
   * has; what the guard learns from a batch counts only once `write` resolved.
   */
  admit(
    records: readonly MetadataRecord[],
    write: (admitted: readonly MetadataRecord[]) => Promise<void>,
  ): Promise<void>;
  /** Called once as the sink closes, after its last write. */
  close(): Promise<void>;
}
