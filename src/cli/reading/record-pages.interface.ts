import type { MetadataPage, MetadataQuery } from '../../lib/index.js';

/** Pages of stored records, from a server's GET /metadata or from the store itself. */
export interface RecordPages {
  /** Where the records are read, for the user: never a password. */
  readonly source: string;
  /** One page, as `MetadataQueryService.find()` gives it. */
  page(query: MetadataQuery): Promise<MetadataPage>;
  close(): Promise<void>;
}
