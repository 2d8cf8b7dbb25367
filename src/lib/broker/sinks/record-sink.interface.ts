import type { MetadataRecord } from '../../record/metadata.interface.js';

/** What a sink did with a batch it took, when it can say more than "written". */
export interface SinkWriteResult {
  /** Refused records, kept by the sink with the reason; the others are written. */
  deadLettered: readonly MetadataRecord[];
  /** Records the sink found it had already: a retry of a write whose reply was lost. */
  alreadyWritten?: number;
}

/**
 * Where records go: the store, or a connector. `write` rejects to have the
 * whole batch retried, so a write must be safe to repeat.
 */
export interface RecordSink {
  readonly name: string;
  write(records: readonly MetadataRecord[]): Promise<SinkWriteResult | void>;
}
