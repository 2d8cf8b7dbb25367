import type { ResolvedMetadataQuery, TextFilter } from './metadata-query.parser.js';

/** Adds a bind parameter and returns its placeholder, cast to `type`. */
export type BindParameter = (value: unknown, type: string) => string;

/** A list of bind parameters and the function that adds to it. */
export function bindParameters(): { params: unknown[]; param: BindParameter } {
  const params: unknown[] = [];
  return { params, param: (value, type) => `$${params.push(value)}::${type}` };
}

const columns: Record<TextFilter, string> = {
  topic: '"topic"',
  name: '"name"',
  location: '"location"',
  context: '"context"',
};

/**
 * What an index holds of a filter's column where it is not the column itself
 * (migration LocationPrefixIndex: a location may be longer than a btree row).
 * The filter compares this, which the index serves, then the whole value.
 */
const indexedAs: Partial<Record<TextFilter, (sql: string) => string>> = {
  location: (sql) => `left(${sql}, 256)`,
};

/**
 * The conditions of a query's filters, time range and `data` containment on
 * table `metadata`, to join with AND. Only placeholders enter the SQL text;
 * every value is a bind parameter.
 */
export function metadataConditions(query: ResolvedMetadataQuery, param: BindParameter): string[] {
  const where: string[] = [];
  for (const key of Object.keys(query.filters) as TextFilter[]) {
    const value = param(query.filters[key], 'text');
    const indexed = indexedAs[key];
    if (indexed) where.push(`${indexed(columns[key])} = ${indexed(value)}`);
    where.push(`${columns[key]} = ${value}`);
  }
  if (query.from) where.push(`"published_at" >= ${param(query.from, 'timestamptz')}`);
  if (query.to) where.push(`"published_at" < ${param(query.to, 'timestamptz')}`);
  // @> is what the GIN index on data (jsonb_path_ops) serves.
  if (query.data !== undefined) where.push(`"data" @> ${param(query.data, 'jsonb')}`);
  return where;
}

/** `WHERE a AND b`, or nothing. */
export function whereClause(conditions: string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}
