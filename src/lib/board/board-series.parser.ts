import { BadRequestException } from '@nestjs/common';
import { httpMessages } from '../metaqueue.messages.js';
import {
  resolveMetadataQuery,
  type ResolvedMetadataQuery,
} from '../query/metadata-query.parser.js';

/** A checked chart query: the filters of a records query, with `name` required. */
export interface ResolvedSeriesQuery {
  query: ResolvedMetadataQuery;
  name: string;
  field?: string;
}

const seriesParameters = ['topic', 'name', 'location', 'context', 'from', 'to', 'data'] as const;
const maxFieldLength = 200;

/** Checks a chart query from a query string; throws `BadRequestException` saying what is wrong. */
export function resolveSeriesQuery(input: unknown): ResolvedSeriesQuery {
  const { field, ...rest } =
    typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const query = resolveMetadataQuery(rest, [...seriesParameters, 'field']);
  const name = query.filters.name;
  if (name === undefined) throw new BadRequestException(httpMessages.missingName());
  if (
    field !== undefined &&
    (typeof field !== 'string' ||
      field === '' ||
      field.length > maxFieldLength ||
      !field.isWellFormed() ||
      field.includes('\0'))
  ) {
    throw new BadRequestException(httpMessages.invalidField());
  }
  return { query, name, field };
}
