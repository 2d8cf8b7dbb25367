import type { MetadataRecord } from '../../engine/metadata.interface.js';

/** What a sink did with a batch it took: the records it refused for good, if any. */
export interface SinkWriteResult {
  /** Refused records, kept by the sink with the reason; the others are written. */
  deadLettered: readonly MetadataRecord[];
}

/**
 * Where records go: the store, or a connector. `write` rejects to have the
 * whole batch retried, so a write must be safe to repeat.
 */
export interface RecordSink {
  readonly name: string;
  write(records: readonly MetadataRecord[]): Promise<SinkWriteResult | void>;
}
