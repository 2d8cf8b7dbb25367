import type { MetadataRecord } from '../record/metadata.interface.js';
import { isStorableTime } from '../record/record-fields.js';
import { isRecordId } from '../record/record-id.js';
import { sharedDate } from '../utils/shared-date.util.js';
import { StringPool } from '../utils/string-pool.util.js';

/** id, topic, name, location, context, json, and the time in milliseconds. */
export type RecordTuple = [string, string, string, string, string, string, number];

/**
 * A stamped record as JSON text, for a Redis stream (and format 1 of the disk
 * log): `data` travels as the `json` encoded at publish, the time as
 * milliseconds. `decodeRecord` is its inverse; it throws on text that is not one.
 */
export function encodeRecord(record: MetadataRecord): string {
  const { id, topic, name, location, context, json, publishedAt } = record;
  const tuple: RecordTuple = [id, topic, name, location, context, json, publishedAt.getTime()];
  return JSON.stringify(tuple);
}

export function decodeRecord(text: string): MetadataRecord {
  return recordOf(JSON.parse(text) as RecordTuple);
}

/**
 * The record `text` holds, or `undefined` when it is not one `encodeRecord`
 * made: an entry another program wrote into a stream, say.
 */
export function readRecord(text: string): MetadataRecord | undefined {
  const reading = inspectRecord(text);
  return 'record' in reading ? reading.record : undefined;
}

/** Why a text is not a record `encodeRecord` made. */
export type RecordFault = 'not-json' | 'not-a-record' | 'bad-id' | 'bad-time' | 'bad-data';

/**
 * The record `text` holds, or why it holds none. An id that is not a UUID,
 * or a time outside the years 1 to 9999, is a fault too: the engine never
 * stamps one, and the store could not keep it.
 */
export function inspectRecord(text: string): { record: MetadataRecord } | { fault: RecordFault } {
  let tuple: unknown;
  try {
    tuple = JSON.parse(text);
  } catch {
    return { fault: 'not-json' };
  }
  if (!isRecordTuple(tuple)) return { fault: 'not-a-record' };
  if (!isRecordId(tuple[0])) return { fault: 'bad-id' };
  if (!isStorableTime(tuple[6])) return { fault: 'bad-time' };
  try {
    return { record: recordOf(tuple) };
  } catch {
    return { fault: 'bad-data' };
  }
}

function isRecordTuple(value: unknown): value is RecordTuple {
  return (
    Array.isArray(value) &&
    value.length === 7 &&
    value.slice(0, 6).every((field) => typeof field === 'string') &&
    Number.isFinite(value[6])
  );
}

/** The texts records repeat, decoded: see `StringPool`. */
const labels = new StringPool();

/** The record a stored tuple holds, its data parsed from its JSON; throws on JSON that does not parse. */
export function recordOf(tuple: RecordTuple): MetadataRecord {
  const [id, topic, name, location, context, json, publishedAt] = tuple;
  return {
    id,
    topic: labels.of(topic),
    name: labels.of(name),
    location: labels.of(location),
    context: labels.of(context),
    json,
    data: JSON.parse(json) as unknown,
    publishedAt: sharedDate(publishedAt),
  };
}
