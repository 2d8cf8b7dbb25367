import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { METAQUEUE_MODULE_OPTIONS } from '../metaqueue.tokens.js';
import { isRecordId } from '../record/record-id.js';
import { MetadataReads } from '../store/reads/metadata-reads.js';
import type { ReadModuleOptions } from '../store/reads/read-options.interface.js';
import { resolveReadOptions } from '../store/reads/metadata-reads.provider.js';
import { cursorAfter } from './metadata-cursor.js';
import { PageStream } from './metadata-page-stream.js';
import { refusedRead } from './refused-read.js';
import type {
  MetadataPage,
  MetadataPreview,
  MetadataPreviewPage,
  MetadataQuery,
  StoredMetadata,
} from './metadata-query.interface.js';
import { resolveMetadataQuery, type ResolvedMetadataQuery } from './metadata-query.parser.js';
import { bindParameters, metadataConditions, whereClause } from './metadata-query.sql.js';
import { defaults } from '../metaqueue.defaults.js';
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
  /** Within the page's byte bound; a row past it only says that more follow, without its data. */
  fits: boolean;
}

/** How a page reads `data`: the selected expression (over column "data") and its size in bytes. */
interface DataColumn {
  select: string;
  alias: string;
  bytes: string;
}

// Each text column comes back behind one '.', taken off by fields(): PGlite decodes a value with
// a TextDecoder that eats a leading U+FEFF (a byte order mark) as an encoding signature.
const textColumns = ['topic', 'name', 'location', 'context']
  .map((column) => `'.' || "${column}" AS "${column}"`)
  .join(', ');

// A row's size in the response, near enough: its text fields and its data as JSON text.
const labelBytes = `octet_length("topic") + octet_length("name") + octet_length("location")
  + octet_length("context")`;

/**
 * Reads stored records back from table `metadata`, a page at a time, oldest
 * (or newest) first. Pages follow each other by keyset (the last
 * `published_at`, `id`), so paging through a table that is being written
 * neither repeats nor skips a record; the indexes on `(topic, published_at)`,
 * `(name, published_at)`, `(published_at, id)` and `(left(location, 256),
 * published_at)` and the GIN index on `data` serve the filters. Bad input throws
 * `BadRequestException` with the reason.
 */
@Injectable()
export class MetadataQueryService {
  private readonly stalledClientTimeoutMs: number;

  constructor(
    @Inject(MetadataReads) private readonly reads: MetadataReads | null,
    @Inject(METAQUEUE_MODULE_OPTIONS) options: ReadModuleOptions,
  ) {
    this.stalledClientTimeoutMs = resolveReadOptions(options.reads).stalledClientTimeoutMs;
  }

  async find(query: MetadataQuery = {}, signal?: AbortSignal): Promise<MetadataPage> {
    const { rows, nextCursor } = await this.page<Row & { data: unknown }>(
      resolveMetadataQuery(query),
      fullData,
      signal,
    );
    return { items: rows.map(item), nextCursor };
  }

  /**
   * As `find()`, as JSON text read from the database only as fast as the
   * consumer reads it: a client that stops reading holds a batch of rows,
   * not a page, and after `reads.stalledClientTimeoutMs` not even that. A
   * bad query, or a first batch that fails or times out, rejects before any
   * byte is written.
   */
  async findAsJson(query: MetadataQuery, signal?: AbortSignal): Promise<Readable> {
    const resolved = resolveMetadataQuery(query);
    const { sql, params } = pageStatement(resolved, fullData);
    const cursor = await refusedRead(
      this.requireReads().cursor<Row & { data: unknown }>(sql, params, rowsPerFetch, signal),
    );
    return new PageStream(cursor, resolved.limit, item, this.stalledClientTimeoutMs);
  }

  /**
   * As `find()`, with each record's `data` cut to its first `previewLength`
   * characters of JSON text: a page whose size is bounded whatever the
   * records hold (the board's table).
   */
  async findPreviews(
    query: MetadataQuery,
    previewLength: number,
    signal?: AbortSignal,
  ): Promise<MetadataPreviewPage> {
    // One character more than the preview tells whether it is cut short.
    const length = Math.trunc(previewLength) + 1;
    const { rows, nextCursor } = await this.page<Row & { dataText: string }>(
      resolveMetadataQuery(query),
      {
        select: `left("data"::text, ${length})`,
        alias: 'dataText',
        bytes: `least(octet_length("data"::text), ${length * 4})`,
      },
      signal,
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
  async findOne(id: string, signal?: AbortSignal): Promise<StoredMetadata | undefined> {
    // No record has an id that is no UUID, and PostgreSQL refuses to compare one.
    if (!isRecordId(id)) return undefined;
    const rows = await refusedRead(
      this.requireReads().query<Row & { data: unknown }>(
        `SELECT "id", ${textColumns}, "data",
          "published_at" AS "publishedAt", "stored_at" AS "storedAt"
        FROM "metadata" WHERE "id" = $1::uuid`,
        [id],
        signal,
      ),
    );
    return rows[0] && item(rows[0]);
  }

  private async page<R extends Row>(
    query: ResolvedMetadataQuery,
    data: DataColumn,
    signal?: AbortSignal,
  ): Promise<{ rows: R[]; nextCursor: string | null }> {
    const { sql, params } = pageStatement(query, data);
    const rows = await refusedRead(this.requireReads().query<R>(sql, params, signal));
    const page = rows.filter((row) => row.fits).slice(0, query.limit);
    return { rows: page, nextCursor: rows.length > page.length ? cursorAfter(page.at(-1)) : null };
  }

  private requireReads(): MetadataReads {
    // As the board's routes answer: a 404 saying why, not a server error.
    if (!this.reads) throw new NotFoundException(httpMessages.noStore());
    return this.reads;
  }
}

/** Rows fetched at a time when a page is streamed: what a client that stops reading holds. */
const rowsPerFetch = 32;

const fullData: DataColumn = {
  select: '"data"',
  alias: 'data',
  bytes: 'octet_length("data"::text)',
};

/**
 * A page's statement: at most `limit` rows that fit in `maxPageBytes` (its
 * first row always fits), then at most one row more, without its data, that
 * says a next page exists.
 */
function pageStatement(
  query: ResolvedMetadataQuery,
  data: DataColumn,
): { sql: string; params: unknown[] } {
  // Only placeholders enter the SQL text; every value is a bind parameter.
  const { params, param } = bindParameters();
  const where = metadataConditions(query, param);
  const newest = query.order === 'newest';
  if (query.after) {
    where.push(
      `("published_at", "id") ${newest ? '<' : '>'} (${param(query.after.publishedAt, 'timestamptz')}, ${param(query.after.id, 'uuid')})`,
    );
  }
  const order = newest ? '"published_at" DESC, "id" DESC' : '"published_at" ASC, "id" ASC';
  // A page stops at `limit` rows or at `maxPageBytes` (its first row always fits), and the
  // database, not this process, drops what is past it: only one row more comes back, without
  // its data, to tell whether there is a next page.
  const maxBytes = param(defaults.query.maxPageBytes, 'bigint');
  const sql = `
      SELECT "id", ${textColumns},
        CASE WHEN "fits" THEN ${data.select} END AS "${data.alias}", "fits",
        "published_at" AS "publishedAt", "stored_at" AS "storedAt",
        to_char("published_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt"
      FROM (
        SELECT *, lag("fits", 1, true) OVER (ORDER BY ${order}) AS "followsAFit"
        FROM (
          SELECT *, "before" = 0 OR "before" + "bytes" <= ${maxBytes} AS "fits"
          FROM (
            SELECT *, sum("bytes") OVER (ORDER BY ${order}) - "bytes" AS "before"
            FROM (
              SELECT *, ${labelBytes} + ${data.bytes} AS "bytes"
              FROM "metadata"
              ${whereClause(where)}
              ORDER BY ${order}
              LIMIT ${param(query.limit + 1, 'int')}
            ) "candidates"
          ) "sized"
        ) "measured"
      ) "page"
      -- The rows that fit, and the first that does not: it says a next page exists.
      WHERE "followsAFit"
      ORDER BY ${order}`;
  return { sql, params };
}

function item(row: Row & { data: unknown }): StoredMetadata {
  return { ...fields(row), data: row.data };
}

function fields(row: Omit<Row, 'cursorAt' | 'fits'>): Omit<StoredMetadata, 'data'> {
  return {
    id: row.id,
    topic: row.topic.slice(1),
    name: row.name.slice(1),
    location: row.location.slice(1),
    context: row.context.slice(1),
    publishedAt: new Date(row.publishedAt),
    storedAt: new Date(row.storedAt),
  };
}
