import { BadRequestException } from '@nestjs/common';
import { decodeCursor, type MetadataCursor } from './metadata-cursor.js';
import type { MetadataQuery } from './metadata-query.interface.js';
import { defaults } from '../metaqueue.defaults.js';
import { httpMessages } from '../metaqueue.messages.js';
import { isCalendarDate } from './calendar-date.js';
import { fitsNumeric, jsonNumbers, numericLimits } from './numeric-range.js';

/** A checked query, ready for SQL. */
export interface ResolvedMetadataQuery {
  filters: Partial<Record<TextFilter, string>>;
  from?: Date;
  to?: Date;
  after?: MetadataCursor;
  limit: number;
  /** JSON that `data` must contain (jsonb `@>`), as text PostgreSQL parses. */
  data?: string;
  /** `'newest'` pages newest first; oldest first when absent. */
  order?: 'newest';
}

export type TextFilter = 'topic' | 'name' | 'location' | 'context';

const textFilters: readonly TextFilter[] = ['topic', 'name', 'location', 'context'];
const parameters: readonly (keyof MetadataQuery)[] = [
  ...textFilters,
  'from',
  'to',
  'cursor',
  'limit',
  'data',
  'order',
];

/** The longest `data` filter accepted, in characters of JSON. */
export const maxDataFilterLength = 4_096;

// A date alone, or a date and time with Z or an offset: never local time.
const isoInstant =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?$/;

/**
 * Checks a query, typed or straight from a query string; throws
 * `BadRequestException` saying what is wrong.
 */
export function resolveMetadataQuery(
  query: unknown,
  accepted: readonly string[] = parameters,
): ResolvedMetadataQuery {
  if (query === undefined || query === null) query = {};
  if (typeof query !== 'object' || Array.isArray(query)) {
    throw new BadRequestException(httpMessages.notAnObject());
  }
  const input = query as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    if (!accepted.includes(key)) {
      throw new BadRequestException(httpMessages.unknownParameter(key, accepted));
    }
    if (Array.isArray(value)) throw new BadRequestException(httpMessages.repeatedParameter(key));
  }

  const filters: ResolvedMetadataQuery['filters'] = {};
  for (const key of textFilters) {
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '' || value.includes('\0')) {
      throw new BadRequestException(httpMessages.invalidText(key));
    }
    filters[key] = value;
  }
  const from = instant('from', input.from);
  const to = instant('to', input.to);
  if (from && to && from.getTime() >= to.getTime()) {
    throw new BadRequestException(httpMessages.emptyRange());
  }
  let after: MetadataCursor | undefined;
  if (input.cursor !== undefined) {
    after = typeof input.cursor === 'string' ? decodeCursor(input.cursor) : undefined;
    if (!after) throw new BadRequestException(httpMessages.invalidCursor());
  }
  if (input.order !== undefined && input.order !== 'newest' && input.order !== 'oldest') {
    throw new BadRequestException(httpMessages.invalidOrder(input.order));
  }
  return {
    filters,
    from,
    to,
    after,
    limit: limit(input.limit),
    data: dataFilter(input.data),
    order: input.order === 'newest' ? 'newest' : undefined,
  };
}

function instant(name: string, value: unknown): Date | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new BadRequestException(httpMessages.invalidInstant(name, value));
    }
    return value;
  }
  // In a query string an unencoded '+' arrives as a space: read `T10:00:00 02:00` as +02:00.
  const text = typeof value === 'string' ? value.replace(/ (?=\d{2}:\d{2}$)/, '+') : '';
  const match = isoInstant.exec(text);
  const ms = match ? Date.parse(text) : NaN;
  if (!match || Number.isNaN(ms) || !isCalendarDate(match[1], match[2], match[3])) {
    throw new BadRequestException(httpMessages.invalidInstant(name, value));
  }
  return new Date(ms);
}

function limit(value: unknown): number {
  if (value === undefined) return defaults.query.limit;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  if (!(Number.isSafeInteger(n) && n >= 1 && n <= defaults.query.maxLimit)) {
    throw new BadRequestException(httpMessages.invalidLimit(value, defaults.query.maxLimit));
  }
  return n;
}

function dataFilter(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const invalid = () =>
    new BadRequestException(httpMessages.invalidDataFilter(maxDataFilterLength));
  if (typeof value !== 'string' || value.length > maxDataFilterLength) throw invalid();
  // jsonb refuses NUL characters and lone surrogates: a 400 here, not a 500 from the database.
  const storable = (text: string) => text.isWellFormed() && !text.includes('\0');
  let ok = true;
  try {
    JSON.parse(value, (key, item: unknown) => {
      if (!storable(key) || (typeof item === 'string' && !storable(item))) ok = false;
      return item;
    });
  } catch {
    ok = false;
  }
  if (!ok) throw invalid();
  // A number jsonb cannot hold would be a 500 from the database ("value overflows numeric format").
  for (const number of jsonNumbers(value)) {
    if (!fitsNumeric(number)) {
      throw new BadRequestException(httpMessages.dataFilterNumberOutOfRange(number, numericLimits));
    }
  }
  return value;
}
