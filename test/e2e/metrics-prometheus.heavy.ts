import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  getEngineToken,
  MetaqueueModule,
  MetricsController,
  type MetadataEngine,
} from '../../src/lib/index.js';
import { PrometheusServer, withPrometheus } from '../support/prometheus-server.js';
import { until } from '../support/until.js';

/** A real Prometheus server scrapes GET /metrics, and its query API sees the values. */
withPrometheus.describe('a real Prometheus server', () => {
  it('scrapes /metrics and stores what the engines counted', async () => {
    @Module({
      imports: [MetaqueueModule.forRoot({ topics: ['jobs'], store: false })],
      controllers: [MetricsController],
    })
    class ScrapedModule {}
    const moduleRef = await Test.createTestingModule({ imports: [ScrapedModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const appPort = ((app.getHttpServer() as Server).address() as AddressInfo).port;
    const jobs = app.get<MetadataEngine<number>>(getEngineToken('jobs'));
    for (let i = 0; i < 7; i++)
      await jobs.publish({ data: i, name: 'n', location: 'l', context: 'c' });

    const prometheus = await PrometheusServer.start({ targets: [`127.0.0.1:${appPort}`] });
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
