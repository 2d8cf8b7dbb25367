import {
  Inject,
  Module,
  type DynamicModule,
  type Type,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';
import { BoardAssets, plainPath } from './board-assets.js';
import { BoardChartService } from './board-chart.service.js';
import { BoardHeadersMiddleware } from './board-headers.middleware.js';
import { createBoardController } from './board.controller.js';
import { BoardSources } from './board-sources.js';
import { BoardTasksService } from './board-tasks.service.js';
import { BOARD_CONTROLLER } from './board.constants.js';
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
export class MetaqueueBoardModule implements NestModule {
  constructor(@Inject(BOARD_CONTROLLER) private readonly controller: Type<unknown>) {}

  /** The security headers on every board response, a guard's refusal included. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(BoardHeadersMiddleware).forRoutes(this.controller);
  }

  static forRoot(options: MetaqueueBoardOptions = {}): DynamicModule {
    const path = options.path ?? '/board';
    if (typeof path !== 'string' || !plainPath.test(path) || path.includes('//')) {
      throw new MetaqueueConfigError(errorMessages.invalidBoardPath(path));
    }
    if (options.readOnly !== undefined && options.readOnly !== true) {
      throw new MetaqueueConfigError(errorMessages.boardNotReadOnly());
    }
    const base = path.length > 1 ? path.replace(/\/$/, '') : '';
    const controller = createBoardController(base, options.guards ?? []);
    return {
      module: MetaqueueBoardModule,
      controllers: [controller],
      providers: [
        BoardSources,
        BoardChartService,
        BoardTasksService,
        BoardAssets,
        { provide: BOARD_CONTROLLER, useValue: controller },
      ],
    };
  }
}
