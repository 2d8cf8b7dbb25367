import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetadataController, MetricsController } from '../lib/index.js';
import { AppModule } from './app.module.js';
import { HealthController } from './health.controller.js';
import { TaskSchedule } from './task-schedule.js';

/** The example app over HTTP: GET /metrics, /health and /metadata, tasks every few seconds. */
@Module({
  imports: [AppModule, TerminusModule.forRoot()],
  controllers: [MetricsController, HealthController, MetadataController],
  providers: [TaskSchedule],
})
export class ServeModule {}
