import { HttpException } from '@nestjs/common';
import type { MetadataQuery } from '../../lib/index.js';
import { resolveMetadataQuery } from '../../lib/query/metadata-query.parser.js';
import { cliMessages } from '../cli.messages.js';
import { CliError, exitCodes } from '../exit-codes.js';

/**
 * Checks a query as GET /metadata checks it, before anything is opened: a
 * bad filter, date, limit or cursor is refused in the CLI's words.
 */
export function checkQuery(query: MetadataQuery): void {
  try {
    resolveMetadataQuery(query);
  } catch (error) {
    if (!(error instanceof HttpException)) throw error;
    throw new CliError(cliMessages.badOption(error.message), exitCodes.usage);
  }
}
