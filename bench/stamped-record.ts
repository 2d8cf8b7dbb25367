import type { Metadata, MetadataRecord } from '../src/lib/index.js';
import { newRecordId } from '../src/lib/record/record-id.js';

/** `metadata` on `topic` as the engine stamps it at `ms`: a version 7 id, the time, its JSON. */
export function stampedRecord(topic: string, metadata: Metadata, ms: number): MetadataRecord {
  return {
    ...metadata,
    id: newRecordId(ms),
    topic,
    json: JSON.stringify(metadata.data),
    publishedAt: new Date(ms),
  };
}
