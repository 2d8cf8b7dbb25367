import type { MetadataRecord } from '../../../engine/metadata.interface.js';

/** The one field of a stream entry: the stamped record, as JSON. */
export const ENTRY_FIELD = 'r';

/** A record as a stream entry's value; `data` travels as the `json` encoded at publish. */
export function encodeEntry(record: MetadataRecord): string {
  const { id, topic, name, location, context, json, publishedAt } = record;
  return JSON.stringify([id, topic, name, location, context, json, publishedAt.getTime()]);
}

export function decodeEntry(value: string): MetadataRecord {
  const [id, topic, name, location, context, json, publishedAt] = JSON.parse(value) as [
    string,
    string,
    string,
    string,
    string,
    string,
    number,
  ];
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

/** An entry's value from XREADGROUP or XAUTOCLAIM fields; `undefined` once the entry was deleted. */
export function entryValue(fields: string[] | null): string | undefined {
  if (!fields) return undefined;
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === ENTRY_FIELD) return fields[i + 1];
  return undefined;
}
