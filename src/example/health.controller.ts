import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { MetaqueueHealthIndicator } from '../lib/index.js';

/** GET /health: 200 while metaqueue keeps up, 503 once a sink or a queue is stuck. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly metaqueue: MetaqueueHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.metaqueue.isHealthy('metaqueue', { failingForMs: 30_000, fullForMs: 30_000 }),
    ]);
  }
}
