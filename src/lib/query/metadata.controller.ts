import { Controller, Get, Logger, Query, StreamableFile } from '@nestjs/common';
import { describeError } from '../errors/describe-error.util.js';
import { ClientGone } from './client-gone.decorator.js';
import type { MetadataQuery } from './metadata-query.interface.js';
import { MetadataQueryService } from './metadata-query.service.js';

/**
 * GET /metadata?topic=&name=&location=&context=&from=&to=&limit=&cursor=:
 * a page of stored records, `{ items, nextCursor }`, streamed; 400 with the
 * reason on bad input, 503 when the read timed out. Add it to `controllers`
 * of a module of yours, with `MetadataQueryService` among its providers.
 */
@Controller('metadata')
export class MetadataController {
  private static readonly logger = new Logger('MetadataController');

  constructor(private readonly query: MetadataQueryService) {}

  @Get()
  async find(
    @Query() query: MetadataQuery,
    @ClientGone() clientGone: AbortSignal,
  ): Promise<StreamableFile> {
    // The service checks every parameter: a query string is untyped whatever the signature says.
    const body = await this.query.findAsJson(query, clientGone);
    return new StreamableFile(body, { type: 'application/json; charset=utf-8' }).setErrorLogger(
      // A stalled or vanished client is the usual cause: worth a line, not an error's stack.
      (error) => MetadataController.logger.warn(describeError(error)),
    );
  }
}
