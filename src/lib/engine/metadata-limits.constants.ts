/**
 * The most a record may hold, checked at publish, so that what publish()
 * accepts the table and the file can always take. The README lists them
 * under "What a record may hold".
 */
export const metadataLimits = {
  /** Characters of `name` (and of a topic): both are indexed, and an index row holds about 2,700 bytes. */
  nameLength: 200,
  /** UTF-8 bytes of `location`, and of `context`. */
  labelBytes: 4_096,
  /** UTF-8 bytes of `data` as JSON. */
  dataBytes: 4_194_304,
  /** Levels of arrays and objects in `data`; validation never recurses deeper. */
  depth: 64,
} as const;
