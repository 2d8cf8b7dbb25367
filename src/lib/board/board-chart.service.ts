import { Injectable } from '@nestjs/common';
import type { MetadataReads } from '../store/reads/metadata-reads.js';
import { refusedRead } from '../query/refused-read.js';
import { bindParameters, metadataConditions, whereClause } from '../query/metadata-query.sql.js';
import type { BoardNames, BoardPoint, BoardSeries } from './board-chart.interface.js';
import { boardLimits } from './board.constants.js';
import { resolveSeriesQuery } from './board-series.parser.js';
import { BoardSources } from './board-sources.js';

interface BucketRow {
  location: string;
  t: number;
  count: number;
  min: number;
  avg: number;
  max: number;
  p50: number;
  p95: number;
}

/**
 * The chart's data, aggregated by PostgreSQL into time buckets (`date_bin`)
 * with count, min, avg, max, median and 95th percentile per location, so a chart over millions of
 * records is at most `maxPoints` points.
 */
@Injectable()
export class BoardChartService {
  constructor(private readonly sources: BoardSources) {}

  /** The distinct names, in order: a loose index scan, one index probe per name. */
  async names(signal?: AbortSignal): Promise<BoardNames> {
    const rows = await this.read<{ name: string }>(
      `WITH RECURSIVE names AS (
        (SELECT "name", 1 AS n FROM "metadata" ORDER BY "name" LIMIT 1)
        UNION ALL
        SELECT (SELECT m."name" FROM "metadata" m WHERE m."name" > names."name"
                ORDER BY m."name" LIMIT 1), names.n + 1
        FROM names WHERE names."name" IS NOT NULL AND names.n <= $1::int
      )
      SELECT "name" FROM names WHERE "name" IS NOT NULL`,
      [boardLimits.maxNames],
      signal,
    );
    return {
      names: rows.slice(0, boardLimits.maxNames).map((r) => r.name),
      truncated: rows.length > boardLimits.maxNames,
    };
  }

  async series(input: unknown, signal?: AbortSignal): Promise<BoardSeries> {
    const { query, name, field: asked } = resolveSeriesQuery(input);
    // The newest record of the name in the window tells which keys of data hold numbers;
    // naming the window lets PostgreSQL read only its partitions.
    const window = bindParameters();
    const [latest] = await this.read<{ data: unknown }>(
      `SELECT "data" FROM "metadata"
       ${whereClause(metadataConditions({ filters: { name }, from: query.from, to: query.to, limit: 1 }, window.param))}
       ORDER BY "published_at" DESC LIMIT 1`,
      window.params,
      signal,
    );
    const fields = numericFields(latest?.data);
    const field = asked ?? (typeof latest?.data === 'number' ? undefined : fields[0]);
    const empty: BoardSeries = {
      name,
      field: field ?? null,
      fields,
      from: null,
      to: null,
      bucketMs: 0,
      lines: [],
      truncated: false,
    };
    if (!latest || (field === undefined && typeof latest.data !== 'number')) return empty;

    const span = await this.span(name, query.from, query.to, signal);
    if (!span) return empty;
    const bucketMs = Math.max(
      1,
      Math.ceil((span.to.getTime() - span.from.getTime()) / boardLimits.buckets),
    );
    const { params, param } = bindParameters();
    const value = field === undefined ? `"data"` : `("data" -> ${param(field, 'text')})`;
    const where = metadataConditions({ ...query, from: span.from, to: span.to }, param);
    // CASE keeps the cast from ever seeing a string; numbers beyond float8 are left out.
    where.push(
      `CASE WHEN jsonb_typeof(${value}) = 'number' THEN abs((${value})::numeric) < 1e308 ELSE false END`,
    );
    const rows = await this.read<BucketRow>(
      `SELECT "location",
        (extract(epoch FROM date_bin(${param(`${bucketMs} milliseconds`, 'interval')}, "published_at", ${param(span.from, 'timestamptz')})) * 1000)::float8 AS "t",
        count(*)::int AS "count", min(${value}::float8) AS "min",
        avg(${value}::float8) AS "avg", max(${value}::float8) AS "max",
        percentile_cont(0.5) WITHIN GROUP (ORDER BY ${value}::float8) AS "p50",
        percentile_cont(0.95) WITHIN GROUP (ORDER BY ${value}::float8) AS "p95"
      FROM "metadata"
      ${whereClause(where)}
      GROUP BY 1, 2
      ORDER BY 1, 2
      LIMIT ${param(boardLimits.maxPoints + 1, 'int')}`,
      params,
      signal,
    );
    const lines = new Map<string, BoardPoint[]>();
    for (const row of rows.slice(0, boardLimits.maxPoints)) {
      const points = lines.get(row.location) ?? [];
      points.push(
        [row.t, row.count, row.min, row.avg, row.max, row.p50, row.p95].map(Number) as BoardPoint,
      );
      lines.set(row.location, points);
    }
    return {
      ...empty,
      from: span.from.toISOString(),
      to: span.to.toISOString(),
      bucketMs,
      lines: [...lines].map(([location, points]) => ({ location, points })),
      truncated: rows.length > boardLimits.maxPoints,
    };
  }

  /** The range to draw: as asked, or else that of the name's records (two index probes). */
  private async span(
    name: string,
    from: Date | undefined,
    to: Date | undefined,
    signal?: AbortSignal,
  ): Promise<{ from: Date; to: Date } | undefined> {
    if (from && to) return { from, to };
    const { params, param } = bindParameters();
    const where = metadataConditions({ filters: { name }, from, to, limit: 1 }, param);
    const [row] = await this.read<{ first: Date | string | null; last: Date | string | null }>(
      `SELECT min("published_at") AS "first", max("published_at") AS "last"
       FROM "metadata" ${whereClause(where)}`,
      params,
      signal,
    );
    if (!row?.first || !row.last) return undefined;
    return {
      from: from ?? new Date(row.first),
      // `to` is exclusive: one millisecond past the last record keeps it in.
      to: to ?? new Date(new Date(row.last).getTime() + 1),
    };
  }

  /** A read on the reads' own connections, bounded in time, stopped with `signal`. */
  private read<T>(sql: string, params: unknown[], signal?: AbortSignal): Promise<T[]> {
    return refusedRead(this.reads().query<T>(sql, params, signal));
  }

  private reads(): MetadataReads {
    return this.sources.requireReads();
  }
}

function numericFields(data: unknown): string[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  return Object.entries(data)
    .filter(([, value]) => typeof value === 'number')
    .map(([key]) => key)
    .slice(0, boardLimits.maxFields);
}
