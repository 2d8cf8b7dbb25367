import {
  BadRequestException,
  Controller,
  Get,
  Header,
  NotFoundException,
  Param,
  Query,
  Req,
  StreamableFile,
  UseGuards,
  type CanActivate,
  type Type,
} from '@nestjs/common';
import { httpMessages } from '../metaqueue.messages.js';
import { ClientGone } from '../query/client-gone.decorator.js';
import { isRecordId } from '../record/record-id.js';
import type { MetadataPreviewPage } from '../query/metadata-query.interface.js';
import type { StoredMetadata } from '../query/metadata-query.interface.js';
import { BoardAssets } from './board-assets.js';
import type { BoardNames, BoardSeries } from './board-chart.interface.js';
import { BoardChartService } from './board-chart.service.js';
import type { BoardOverview } from './board-overview.interface.js';
import { boardOverview } from './board-overview.js';
import { BoardSources } from './board-sources.js';
import type { BoardTaskRuns, BoardTasks } from './board-tasks.interface.js';
import { BoardTasksService } from './board-tasks.service.js';
import { boardLimits } from './board.constants.js';

/**
 * The board's routes, all GET: the page, its assets and its JSON. It has no
 * route that changes anything. A class per mount, since the path and guards
 * are decorations.
 */
export function createBoardController(
  base: string,
  guards: (CanActivate | Type<CanActivate>)[],
): Type<unknown> {
  @Controller(base || '/')
  @UseGuards(...guards)
  class BoardController {
    constructor(
      private readonly assets: BoardAssets,
      private readonly sources: BoardSources,
      private readonly chart: BoardChartService,
      private readonly tasks: BoardTasksService,
    ) {}

    @Get()
    @Header('Content-Type', 'text/html; charset=utf-8')
    page(@Req() request: { originalUrl?: string; url: string }): string {
      return this.assets.page(request.originalUrl ?? request.url, base);
    }

    @Get('assets/:file')
    asset(@Param('file') file: string): StreamableFile {
      const { contentType, body } = this.assets.get(file);
      // StreamableFile sends bytes as they are on Express and Fastify alike.
      return new StreamableFile(body, { type: contentType });
    }

    @Get('api/overview')
    overview(): BoardOverview {
      return boardOverview(this.sources);
    }

    @Get('api/records')
    records(
      @Query() query: Record<string, unknown>,
      @ClientGone() clientGone: AbortSignal,
    ): Promise<MetadataPreviewPage> {
      // A tighter bound than /metadata's: the board's pages stay small whatever the rows hold.
      const limit = query.limit ?? String(boardLimits.pageSize);
      const n = typeof limit === 'string' && /^\d+$/.test(limit) ? Number(limit) : NaN;
      if (!(n >= 1 && n <= boardLimits.maxPageSize)) {
        throw new BadRequestException(httpMessages.invalidLimit(limit, boardLimits.maxPageSize));
      }
      this.sources.requireStore();
      return this.sources.query.findPreviews(
        { order: 'newest', ...query, limit: n },
        boardLimits.dataPreviewLength,
        clientGone,
      );
    }

    @Get('api/records/:id')
    async record(
      @Param('id') id: string,
      @ClientGone() clientGone: AbortSignal,
    ): Promise<StoredMetadata> {
      if (!isRecordId(id)) throw new BadRequestException(httpMessages.invalidRecordId(id));
      this.sources.requireStore();
      const record = await this.sources.query.findOne(id, clientGone);
      if (!record) throw new NotFoundException(httpMessages.recordNotFound(id));
      return record;
    }

    @Get('api/names')
    names(@ClientGone() clientGone: AbortSignal): Promise<BoardNames> {
      return this.chart.names(clientGone);
    }

    @Get('api/series')
    series(
      @Query() query: Record<string, unknown>,
      @ClientGone() clientGone: AbortSignal,
    ): Promise<BoardSeries> {
      return this.chart.series(query, clientGone);
    }

    @Get('api/tasks')
    taskList(@ClientGone() clientGone: AbortSignal): Promise<BoardTasks> {
      return this.tasks.tasks(clientGone);
    }

    @Get('api/tasks/:task/runs')
    taskRuns(
      @Param('task') task: string,
      @Query() query: Record<string, unknown>,
      @ClientGone() clientGone: AbortSignal,
    ): Promise<BoardTaskRuns> {
      return this.tasks.runs(task, query, clientGone);
    }
  }
  return BoardController;
}
