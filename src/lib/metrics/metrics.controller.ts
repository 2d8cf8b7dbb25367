import { Controller, Get, Headers, Res, type OnModuleInit } from '@nestjs/common';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';
import { MetaqueueMetrics } from './metaqueue-metrics.service.js';

/** What the controller needs of the response: Express and Fastify both have it. */
interface HeaderSetter {
  header(name: string, value: string): unknown;
}

/**
 * GET /metrics: metaqueue's metrics, as OpenMetrics for a scraper that
 * accepts `application/openmetrics-text` (Prometheus does), else as
 * Prometheus text. Add it to `controllers` of a module that imports
 * `MetaqueueModule`, which provides `MetaqueueMetrics`: providing it again
 * would make a second, empty one. Refused at startup with
 * `metrics: { registry }`: the application's own endpoint serves the series.
 */
@Controller('metrics')
export class MetricsController implements OnModuleInit {
  constructor(private readonly metrics: MetaqueueMetrics) {}

  onModuleInit(): void {
    // A second endpoint with the same series, or a route clash with the application's /metrics.
    if (this.metrics.appRegistry) {
      throw new MetaqueueConfigError(errorMessages.metricsControllerWithAppRegistry());
    }
  }

  @Get()
  async scrape(
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: HeaderSetter,
  ): Promise<string> {
    const { contentType, body } = await this.metrics.scrape(accept);
    response.header('Content-Type', contentType);
    response.header('Vary', 'Accept');
    return body;
  }
}
