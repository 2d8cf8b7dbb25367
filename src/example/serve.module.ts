import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetadataController, MetaqueueBoardModule, MetricsController } from '../lib/index.js';
import { AppModule } from './app.module.js';
import { HealthController } from './health.controller.js';

/** The example app over HTTP: the board at /board, GET /metrics, /health and /metadata, tasks on their schedules. */
@Module({
  imports: [
    AppModule.register(),
    TerminusModule.forRoot(),
    MetaqueueBoardModule.forRoot({ path: '/board' }),
  ],
  controllers: [MetricsController, HealthController, MetadataController],
})
export class ServeModule {}
