import type { MetadataRecord } from '../../record/metadata.interface.js';
import { inspectRecord, type RecordFault } from '../record-codec.js';

/** The field of a stream entry that holds the stamped record, as JSON. */
export const ENTRY_FIELD = 'r';
/** With `drop-oldest`, the tag of the process that appended the entry: whose drop its eviction is. */
export const PUBLISHER_FIELD = 'p';

/** Why an entry of a topic's stream holds no record metaqueue can deliver. */
export type EntryFault = RecordFault | 'no-record-field';

/** An entry's value from XREADGROUP or XAUTOCLAIM fields; `undefined` once the entry was deleted. */
export function entryValue(fields: string[] | null): string | undefined {
  if (!fields) return undefined;
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === ENTRY_FIELD) return fields[i + 1];
  return undefined;
}

/**
 * The record a live entry's fields hold, or why they hold none: an entry
 * another program wrote, or one damaged. Never throws.
 */
export function readEntry(fields: string[]): { record: MetadataRecord } | { fault: EntryFault } {
  const value = entryValue(fields);
  return value === undefined ? { fault: 'no-record-field' } : inspectRecord(value);
}
