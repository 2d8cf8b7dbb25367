import type { MetadataRecord } from '../record/metadata.interface.js';

/** What one `MetadataStore.write()` did with its batch. */
export interface StoreWriteResult {
  /** Records the database refused, now in `metadata_dead_letter`; all others are in `metadata`. */
  deadLettered: readonly MetadataRecord[];
  /** Records already in `metadata`: an earlier attempt committed them, but its reply was lost. */
  alreadyWritten: number;
}
