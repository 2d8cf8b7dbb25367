import type { MetadataRecord } from './metadata.interface.js';

type RecordTuple = [string, string, string, string, string, string, number];

/**
 * A stamped record as JSON text, for a durable source (the disk log, a Redis
 * stream): `data` travels as the `json` encoded at publish, the time as
 * milliseconds. `decodeRecord` is its inverse; it throws on text that is not one.
 */
export function encodeRecord(record: MetadataRecord): string {
  const { id, topic, name, location, context, json, publishedAt } = record;
  const tuple: RecordTuple = [id, topic, name, location, context, json, publishedAt.getTime()];
  return JSON.stringify(tuple);
}

export function decodeRecord(text: string): MetadataRecord {
  const [id, topic, name, location, context, json, publishedAt] = JSON.parse(text) as RecordTuple;
  return {
    id,
    topic,
    name,
    location,
    context,
    json,
    data: JSON.parse(json) as unknown,
    publishedAt: new Date(publishedAt),
  };
}
