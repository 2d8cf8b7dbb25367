/** The field of a stream entry that holds the stamped record, as JSON. */
export const ENTRY_FIELD = 'r';
/** With `drop-oldest`, the tag of the process that appended the entry: whose drop its eviction is. */
export const PUBLISHER_FIELD = 'p';

/** An entry's value from XREADGROUP or XAUTOCLAIM fields; `undefined` once the entry was deleted. */
export function entryValue(fields: string[] | null): string | undefined {
  if (!fields) return undefined;
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === ENTRY_FIELD) return fields[i + 1];
  return undefined;
}
