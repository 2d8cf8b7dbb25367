import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetadataController, MetricsController } from '../lib/index.js';
import { AppModule } from './app.module.js';
import { HealthController } from './health.controller.js';

/** The example app over HTTP: GET /metrics, /health and /metadata, tasks on their schedules. */
@Module({
  imports: [AppModule, TerminusModule.forRoot()],
  controllers: [MetricsController, HealthController, MetadataController],
})
export class ServeModule {}
