import { Module } from '@nestjs/common';
import {
  getEngineToken,
  MetaqueueModule,
  MetricsController,
  type MetadataEngine,
} from '../../src/lib/index.js';
import { PrometheusServer, scrapedApp, withPrometheus } from '../support/prometheus-server.js';
import { until } from '../support/until.js';

/** A real Prometheus server scrapes GET /metrics, and its query API sees the values. */
withPrometheus.describe('a real Prometheus server', () => {
  it('scrapes /metrics and stores what the engines counted', async () => {
    @Module({
      imports: [MetaqueueModule.forRoot({ topics: ['jobs'], store: false })],
      controllers: [MetricsController],
    })
    class ScrapedModule {}
    const { app, target } = await scrapedApp(ScrapedModule);
    const jobs = app.get<MetadataEngine<number>>(getEngineToken('jobs'));
    for (let i = 0; i < 7; i++)
      await jobs.publish({ data: i, name: 'n', location: 'l', context: 'c' });

    const prometheus = await PrometheusServer.start({ targets: [target] });
    try {
      // Prometheus starts, then scrapes every second.
      let published: number[] = [];
      await until(
        async () =>
          (published = await prometheus.values('metaqueue_published_total{topic="jobs"}')).length >
          0,
        20_000,
      );
      expect(published).toEqual([7]);
      expect(await prometheus.values('up{job="metaqueue"}')).toEqual([1]);
      expect(await prometheus.values('metaqueue_queue_capacity{topic="jobs"}')).toEqual([10_000]);
    } finally {
      await prometheus.stop();
      await app.close();
    }
  });
});
