import { Controller, Get, Query, type StreamableFile } from '@nestjs/common';
import { streamPage } from './metadata-page-stream.js';
import type { MetadataQuery } from './metadata-query.interface.js';
import { MetadataQueryService } from './metadata-query.service.js';

/**
 * GET /metadata?topic=&name=&location=&context=&from=&to=&limit=&cursor=:
 * a page of stored records, `{ items, nextCursor }`, streamed; 400 with the
 * reason on bad input. Add it to `controllers` of a module of yours, with
 * `MetadataQueryService` among its providers.
 */
@Controller('metadata')
export class MetadataController {
  constructor(private readonly query: MetadataQueryService) {}

  @Get()
  async find(@Query() query: MetadataQuery): Promise<StreamableFile> {
    // The service checks every parameter: a query string is untyped whatever the signature says.
    return streamPage(await this.query.find(query));
  }
}
