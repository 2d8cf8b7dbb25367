import type { MetadataEntity } from '../store/metadata.entity.js';
/**
 * A query over the stored records (table `metadata`). Every field is
 * optional; the filters given must all match. Strings are accepted where a
 * query string would carry them, and checked as strictly as the typed form.
 */
export interface MetadataQuery {
  topic?: string;
  name?: string;
  location?: string;
  context?: string;
  /** Published at or after this instant: a `Date`, or ISO 8601 (a date alone is midnight UTC). */
  from?: Date | string;
  /** Published before this instant (exclusive); as `from`. */
  to?: Date | string;
  /** `nextCursor` of the previous page, to read the next one. */
  cursor?: string;
  /** Records per page: 1 to 1000; default 100. */
  limit?: number | string;
  /** JSON that `data` must contain (jsonb `@>`), e.g. `{"table":"customers"}`; at most 4096 characters. */
  data?: string;
  /** `oldest` first (the default) or `newest` first; pass the same order with `cursor`. */
  order?: 'oldest' | 'newest';
}

/** A stored record, as read back: the fields of `MetadataEntity`. */
export type StoredMetadata = Pick<
  MetadataEntity,
  'id' | 'topic' | 'name' | 'location' | 'context' | 'data' | 'publishedAt' | 'storedAt'
>;

/** One page, oldest first (by `publishedAt`, then `id`), or newest first. */
export interface MetadataPage {
  items: StoredMetadata[];
  /** Pass as `cursor` to read the next page; `null` on the last page. */
  nextCursor: string | null;
}

/** A stored record with the start of its `data` as JSON text, for a table of records. */
export type MetadataPreview = Omit<StoredMetadata, 'data'> & {
  /** The first characters of `data` as JSON text. */
  dataPreview: string;
  /** Whether `dataPreview` is cut short. */
  dataTruncated: boolean;
};

/** A page of previews, as `MetadataPage`. */
export interface MetadataPreviewPage {
  items: MetadataPreview[];
  nextCursor: string | null;
}
