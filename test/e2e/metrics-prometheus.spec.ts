import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getEngineToken,
  MetaqueueModule,
  MetricsController,
  type MetadataEngine,
} from '../../src/lib/index.js';
import { requirement } from '../support/requirement.js';
import { until } from '../support/until.js';

const withPrometheus = requirement(
  'a Prometheus server binary',
  spawnSync('prometheus', ['--version']).status === 0,
  'apt-get install prometheus, as .ci/run does',
);

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

    const dir = mkdtempSync(join(tmpdir(), 'metaqueue-prometheus-'));
    const promPort = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: metaqueue\n    static_configs: [{ targets: ['127.0.0.1:${appPort}'] }]\n`,
    );
    const prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: 'ignore' },
    );
    try {
      const query = async (q: string) => {
        const response = await fetch(
          `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`,
        ).catch(() => undefined);
        if (!response?.ok) return [];
        const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
        return body.data.result.map((r) => Number(r.value[1]));
      };
      // Prometheus starts, then scrapes every second.
      let published: number[] = [];
      await until(
        async () => (published = await query('metaqueue_published_total{topic="jobs"}')).length > 0,
        20_000,
      );
      expect(published).toEqual([7]);
      expect(await query('up{job="metaqueue"}')).toEqual([1]);
      expect(await query('metaqueue_queue_capacity{topic="jobs"}')).toEqual([10_000]);
    } finally {
      prometheus.kill('SIGTERM');
      await new Promise((resolve) => prometheus.on('exit', resolve));
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
