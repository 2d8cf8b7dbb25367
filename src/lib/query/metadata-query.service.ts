import { Inject, Injectable } from '@nestjs/common';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { MetadataStore } from '../store/metadata-store.js';
import { encodeCursor } from './metadata-cursor.js';
import type {
  MetadataPage,
  MetadataPreview,
  MetadataPreviewPage,
  MetadataQuery,
  StoredMetadata,
} from './metadata-query.interface.js';
import { resolveMetadataQuery, type ResolvedMetadataQuery } from './metadata-query.parser.js';
import { bindParameters, metadataConditions, whereClause } from './metadata-query.sql.js';
import { httpMessages } from '../metaqueue.messages.js';

interface Row {
  id: string;
  topic: string;
  name: string;
  location: string;
  context: string;
  publishedAt: Date | string;
  storedAt: Date | string;
  /** `published_at` to the microsecond, for the cursor. */
  cursorAt: string;
}

/**
 * Reads stored records back from table `metadata`, a page at a time, oldest
 * (or newest) first. Pages follow each other by keyset (the last
 * `published_at`, `id`), so paging through a table that is being written
 * neither repeats nor skips a record; the indexes on `(topic, published_at)`,
 * `(name, published_at)` and `(published_at, id)`, the hash index on
 * `location` and the GIN index on `data` serve the filters. Bad input throws
 * `BadRequestException` with the reason.
 */
@Injectable()
export class MetadataQueryService {
  constructor(@Inject(MetadataStore) private readonly store: MetadataStore | null) {}

  async find(query: MetadataQuery = {}): Promise<MetadataPage> {
    const { rows, nextCursor } = await this.page<Row & { data: unknown }>(
      resolveMetadataQuery(query),
      '"data"',
    );
    return { items: rows.map((row) => ({ ...fields(row), data: row.data })), nextCursor };
  }

  /**
   * As `find()`, with each record's `data` cut to its first `previewLength`
   * characters of JSON text: a page whose size is bounded whatever the
   * records hold (the board's table).
   */
  async findPreviews(query: MetadataQuery, previewLength: number): Promise<MetadataPreviewPage> {
    const { rows, nextCursor } = await this.page<Row & { dataText: string }>(
      resolveMetadataQuery(query),
      `left("data"::text, ${Math.trunc(previewLength) + 1}) AS "dataText"`,
    );
    return {
      items: rows.map((row): MetadataPreview => ({
        ...fields(row),
        dataPreview: row.dataText.slice(0, previewLength),
        dataTruncated: row.dataText.length > previewLength,
      })),
      nextCursor,
    };
  }

  /** One record by id, or `undefined`. */
  async findOne(id: string): Promise<StoredMetadata | undefined> {
    const rows: (Row & { data: unknown })[] = await this.dataSource().query(
      `SELECT ${selected('"data"')} FROM "metadata" WHERE "id" = $1::uuid`,
      [id],
    );
    return rows[0] && { ...fields(rows[0]), data: rows[0].data };
  }

  private async page<R extends Row>(
    query: ResolvedMetadataQuery,
    dataColumn: string,
  ): Promise<{ rows: R[]; nextCursor: string | null }> {
    const dataSource = this.dataSource();
    const { params, param } = bindParameters();
    const where = metadataConditions(query, param);
    const newest = query.order === 'newest';
    if (query.after) {
      where.push(
        `("published_at", "id") ${newest ? '<' : '>'} (${param(query.after.publishedAt, 'timestamptz')}, ${param(query.after.id, 'uuid')})`,
      );
    }
    const direction = newest ? 'DESC' : 'ASC';
    const sql = `
      SELECT ${selected(dataColumn)}
      FROM "metadata"
      ${whereClause(where)}
      ORDER BY "published_at" ${direction}, "id" ${direction}
      LIMIT ${param(query.limit + 1, 'int')}`;
    // One row more than the page tells whether there is a next page.
    const rows: R[] = await dataSource.query(sql, params);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      rows: page,
      nextCursor:
        rows.length > query.limit && last
          ? encodeCursor({ publishedAt: last.cursorAt, id: last.id })
          : null,
    };
  }

  private dataSource() {
    if (!this.store) throw new MetaqueueConfigError(httpMessages.noStore());
    return this.store.dataSource;
  }
}

function selected(dataColumn: string): string {
  return `"id", "topic", "name", "location", "context", ${dataColumn},
    "published_at" AS "publishedAt", "stored_at" AS "storedAt",
    to_char("published_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt"`;
}

function fields(row: Row): Omit<StoredMetadata, 'data'> {
  return {
    id: row.id,
    topic: row.topic,
    name: row.name,
    location: row.location,
    context: row.context,
    publishedAt: new Date(row.publishedAt),
    storedAt: new Date(row.storedAt),
  };
}
