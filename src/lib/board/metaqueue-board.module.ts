import { Module, type DynamicModule } from '@nestjs/common';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';
import { BoardAssets, plainPath } from './board-assets.js';
import { BoardChartService } from './board-chart.service.js';
import { createBoardController } from './board.controller.js';
import { BoardSources } from './board-sources.js';
import type { MetaqueueBoardOptions } from './metaqueue-board-options.interface.js';

/**
 * `MetaqueueBoardModule.forRoot({ path: '/board', guards })` mounts a page
 * that shows what metaqueue holds: topics and sinks live, the stored records,
 * and charts of numeric data. It reads the MetaqueueModule of the
 * application, wherever that is imported. Only `forRoot`: the path and the
 * guards decorate the controller, so they must be known when the module is
 * defined.
 */
@Module({})
export class MetaqueueBoardModule {
  static forRoot(options: MetaqueueBoardOptions = {}): DynamicModule {
    const path = options.path ?? '/board';
    if (typeof path !== 'string' || !plainPath.test(path) || path.includes('//')) {
      throw new MetaqueueConfigError(errorMessages.invalidBoardPath(path));
    }
    if (options.readOnly !== undefined && options.readOnly !== true) {
      throw new MetaqueueConfigError(errorMessages.boardNotReadOnly());
    }
    const base = path.length > 1 ? path.replace(/\/$/, '') : '';
    return {
      module: MetaqueueBoardModule,
      controllers: [createBoardController(base, options.guards ?? [])],
      providers: [BoardSources, BoardChartService, BoardAssets],
    };
  }
}
