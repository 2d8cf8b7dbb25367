import { Inject, Injectable } from '@nestjs/common';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { MetadataStore } from '../store/metadata-store.js';
import { encodeCursor } from './metadata-cursor.js';
import type { MetadataPage, MetadataQuery, StoredMetadata } from './metadata-query.interface.js';
import { resolveMetadataQuery, type TextFilter } from './metadata-query.parser.js';
import { defaults } from '../metaqueue.defaults.js';
import { httpMessages } from '../metaqueue.messages.js';

interface Row extends Omit<StoredMetadata, 'publishedAt' | 'storedAt'> {
  publishedAt: Date | string;
  storedAt: Date | string;
  /** `published_at` to the microsecond, for the cursor. */
  cursorAt: string;
  /** Within the page's byte bound; a row past it only says that more follow, without its data. */
  fits: boolean;
}

// Each text column comes back behind one '.', taken off here: PGlite decodes a value with a
// TextDecoder that eats a leading U+FEFF (a byte order mark) as an encoding signature.
const textColumns = ['topic', 'name', 'location', 'context']
  .map((column) => `'.' || "${column}" AS "${column}"`)
  .join(', ');

// A row's size in the response, near enough: its text fields and its data as JSON text.
const rowBytes = `(octet_length("data"::text) + octet_length("topic") + octet_length("name")
  + octet_length("location") + octet_length("context"))`;

const columns: Record<TextFilter, string> = {
  topic: '"topic"',
  name: '"name"',
  location: '"location"',
  context: '"context"',
};

/**
 * Reads stored records back from table `metadata`, a page at a time, oldest
 * first. Pages follow each other by keyset (the last `published_at`, `id`),
 * so paging through a table that is being written neither repeats nor skips
 * a record; the indexes on `(topic, published_at)` and `(name,
 * published_at)` serve the common filters. Bad input throws
 * `BadRequestException` with the reason.
 */
@Injectable()
export class MetadataQueryService {
  constructor(@Inject(MetadataStore) private readonly store: MetadataStore | null) {}

  async find(query: MetadataQuery = {}): Promise<MetadataPage> {
    const { filters, from, to, after, limit } = resolveMetadataQuery(query);
    const store = this.store;
    if (!store) throw new MetaqueueConfigError(httpMessages.noStore());
    // Only placeholders enter the SQL text; every value is a bind parameter.
    const params: unknown[] = [];
    const param = (value: unknown, type: string) => `$${params.push(value)}::${type}`;
    const where: string[] = [];
    for (const key of Object.keys(filters) as TextFilter[]) {
      where.push(`${columns[key]} = ${param(filters[key], 'text')}`);
    }
    if (from) where.push(`"published_at" >= ${param(from, 'timestamptz')}`);
    if (to) where.push(`"published_at" < ${param(to, 'timestamptz')}`);
    if (after) {
      where.push(
        `("published_at", "id") > (${param(after.publishedAt, 'timestamptz')}, ${param(after.id, 'uuid')})`,
      );
    }
    // A page stops at `limit` rows or at `maxPageBytes` (its first row always fits), and the
    // database, not this process, drops what is past it: only one row more comes back, without
    // its data, to tell whether there is a next page.
    const maxBytes = param(defaults.query.maxPageBytes, 'bigint');
    const sql = `
      SELECT "id", ${textColumns},
        CASE WHEN "fits" THEN "data" END AS "data", "fits",
        "published_at" AS "publishedAt", "stored_at" AS "storedAt",
        to_char("published_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt"
      FROM (
        SELECT *, lag("fits", 1, true) OVER (ORDER BY "published_at", "id") AS "followsAFit"
        FROM (
          SELECT *, "before" = 0 OR "before" + "bytes" <= ${maxBytes} AS "fits"
          FROM (
            SELECT *, sum("bytes") OVER (ORDER BY "published_at", "id") - "bytes" AS "before"
            FROM (
              SELECT *, ${rowBytes} AS "bytes"
              FROM "metadata"
              ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
              ORDER BY "published_at", "id"
              LIMIT ${param(limit + 1, 'int')}
            ) "candidates"
          ) "sized"
        ) "measured"
      ) "page"
      -- The rows that fit, and the first that does not: it says a next page exists.
      WHERE "followsAFit"
      ORDER BY "published_at", "id"`;
    const rows: Row[] = await store.dataSource.query(sql, params);
    const page = rows.filter((row) => row.fits).slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({
        id: row.id,
        topic: row.topic.slice(1),
        name: row.name.slice(1),
        location: row.location.slice(1),
        context: row.context.slice(1),
        data: row.data,
        publishedAt: new Date(row.publishedAt),
        storedAt: new Date(row.storedAt),
      })),
      nextCursor:
        rows.length > page.length && last
          ? encodeCursor({ publishedAt: last.cursorAt, id: last.id })
          : null,
    };
  }
}
