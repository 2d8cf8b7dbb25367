import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register as globalRegistry } from 'prom-client';
import {
  MetaqueueMetrics,
  MetricsController,
  BrokerService,
  EngineRegistry,
  MetaqueueModule,
  type MetadataConnector,
  type MetadataEngine,
  type MetadataRecord,
  type MetaqueueModuleOptions,
  type TopicDeclaration,
} from '../../src/lib/index.js';
import { samples, valueOf, type Sample } from '../support/exposition.js';
import { hasParser } from '../support/openmetrics-tools.js';
import { requirement } from '../support/requirement.js';
import { until } from '../support/until.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';

const backend = serverUrl ? 'PostgreSQL' : 'PGlite';
const openMetricsAccept = 'application/openmetrics-text; version=1.0.0';

// prometheus_client's strict OpenMetrics parser (Debian python3-prometheus-client).
// test/support/parse-openmetrics.py needs a timestamp on every sample, which live metrics lack.
const python = '/usr/bin/python3';
const itWithParser = requirement(
  "prometheus_client's parser",
  hasParser,
  'apt-get install python3-prometheus-client, as .ci/run does',
).it;
const strictParse = `
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    text = f.read()
for family in text_string_to_metric_families(text):
    for s in family.samples:
        print(json.dumps({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value}))
`;

/** Collects what it is given; fails while `failing` is set. */
class MemoryConnector implements MetadataConnector {
  readonly name = 'memory';
  readonly records: MetadataRecord[] = [];
  failing = false;
  async write(records: readonly MetadataRecord[]): Promise<void> {
    if (this.failing) throw new Error('unavailable (simulated)');
    this.records.push(...records);
  }
}

interface Served {
  app: INestApplication;
  url: string;
  metrics: MetaqueueMetrics;
  broker: BrokerService;
  engine<T>(topic: string): MetadataEngine<T>;
  scrape(accept?: string): Promise<{ contentType: string | null; text: string }>;
}

async function serve(
  topics: TopicDeclaration[],
  options: Omit<MetaqueueModuleOptions, 'topics'>,
): Promise<Served> {
  const moduleRef = await Test.createTestingModule({
    imports: [MetaqueueModule.forRoot({ topics, ...options })],
    controllers: [MetricsController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    metrics: app.get(MetaqueueMetrics),
    broker: app.get(BrokerService),
    engine: (topic) => app.get(EngineRegistry).get(topic),
    async scrape(accept) {
      const response = await fetch(`${url}/metrics`, accept ? { headers: { accept } } : {});
      expect(response.status).toBe(200);
      return { contentType: response.headers.get('content-type'), text: await response.text() };
    },
  };
}

describe(`GET /metrics, store on ${backend}`, () => {
  let db: TestDatabase;
  let served: Served[] = [];

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const { app } of served) await app.close();
    served = [];
    await db.drop();
  });

  const boot = async (connector = new MemoryConnector(), topics?: TopicDeclaration[]) => {
    const s = await serve(
      topics ?? [
        { topic: 'jobs', dtype: 'number', bufferSize: 3, overflow: 'drop-newest' },
        { topic: 'checks', bufferSize: 2, overflow: 'error' },
      ],
      {
        store: db.store,
        // No flush on a timer: only when asked, or when a queue fills (publishMix fills both).
        broker: { flushIntervalMs: 3_600_000, retryInitialDelayMs: 5, retryMaxDelayMs: 10 },
        connectors: [connector],
      },
    );
    served.push(s);
    return s;
  };

  /** 5 publishes to `jobs` (3 accepted, 2 dropped), 1 invalid, 3 to `checks` (1 queue-full). */
  const publishMix = async (s: Served) => {
    const jobs = s.engine<number>('jobs');
    const checks = s.engine<string>('checks');
    for (let i = 0; i < 5; i++)
      await jobs.publish({ data: i, name: 'n', location: 'l', context: 'c' });
    await expect(
      jobs.publish({ data: 'x' as unknown as number, name: 'n', location: 'l', context: 'c' }),
    ).rejects.toThrow();
    await checks.publish({ data: 'a', name: 'n', location: 'l', context: 'c' });
    await checks.publish({ data: 'b', name: 'n', location: 'l', context: 'c' });
    await expect(
      checks.publish({ data: 'c', name: 'n', location: 'l', context: 'c' }),
    ).rejects.toThrow();
    return { jobs, checks };
  };

  it('serves Prometheus text by default, with values equal to the engine counters', async () => {
    const s = await boot();
    const never = samples((await s.scrape()).text);
    expect(valueOf(never, 'metaqueue_last_flush_timestamp_seconds')).toBe(0);
    const { jobs, checks } = await publishMix(s);
    // The full queues started a flush of their own: once it is done, two scrapes agree.
    await until(() => s.broker.counters.sinks.memory.written === 5);

    const { contentType, text } = await s.scrape();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text).toContain('# TYPE metaqueue_published_total counter');
    const all = samples(text);
    for (const engine of [jobs, checks] as MetadataEngine[]) {
      const topic = { topic: engine.topic };
      const c = engine.counters;
      expect(valueOf(all, 'metaqueue_queue_depth', topic)).toBe(engine.size);
      expect(valueOf(all, 'metaqueue_queue_capacity', topic)).toBe(engine.capacity);
      expect(valueOf(all, 'metaqueue_published_total', topic)).toBe(c.published);
      expect(valueOf(all, 'metaqueue_accepted_total', topic)).toBe(c.accepted);
      for (const [reason, n] of Object.entries(c.dropped)) {
        expect(valueOf(all, 'metaqueue_dropped_total', { ...topic, reason })).toBe(n);
      }
      for (const [reason, n] of Object.entries(c.rejected)) {
        expect(valueOf(all, 'metaqueue_rejected_total', { ...topic, reason })).toBe(n);
      }
    }
    expect(jobs.counters).toMatchObject({ published: 6, accepted: 3 });
    expect(valueOf(all, 'metaqueue_dropped_total', { topic: 'jobs', reason: 'drop-newest' })).toBe(
      2,
    );
    expect(valueOf(all, 'metaqueue_rejected_total', { topic: 'jobs', reason: 'invalid' })).toBe(1);
    expect(
      valueOf(all, 'metaqueue_rejected_total', { topic: 'checks', reason: 'queue-full' }),
    ).toBe(1);
    expect(valueOf(all, 'metaqueue_sink_written_total', { sink: 'store' })).toBe(5);
    expect(valueOf(all, 'metaqueue_last_flush_timestamp_seconds')).toBe(
      s.broker.counters.lastFlushAt!.getTime() / 1000,
    );

    // Scraping again counts nothing twice.
    expect(samples((await s.scrape()).text)).toEqual(all);
  });

  it('reports each sink after a flush: the store and every connector', async () => {
    const connector = new MemoryConnector();
    const s = await boot(connector);
    await publishMix(s);
    await s.broker.flush();

    const all = samples((await s.scrape()).text);
    const counters = s.broker.counters;
    expect(counters.sinks.store.written).toBe(5);
    expect(valueOf(all, 'metaqueue_queue_depth', { topic: 'jobs' })).toBe(0);
    expect(valueOf(all, 'metaqueue_sink_written_total', { sink: 'store' })).toBe(5);
    expect(valueOf(all, 'metaqueue_sink_written_total', { sink: 'memory' })).toBe(5);
    expect(valueOf(all, 'metaqueue_sink_backlog', { sink: 'memory' })).toBe(0);
    expect(valueOf(all, 'metaqueue_sink_failed_writes_total', { sink: 'store' })).toBe(0);
    expect(valueOf(all, 'metaqueue_sink_dead_lettered_total', { sink: 'store' })).toBe(0);
    expect(valueOf(all, 'metaqueue_sink_dead_lettered_total', { sink: 'memory' })).toBe(0);
    expect(valueOf(all, 'metaqueue_last_flush_timestamp_seconds')).toBe(
      counters.lastFlushAt!.getTime() / 1000,
    );

    // A failing connector: its failures and backlog grow, the store goes on.
    connector.failing = true;
    await s.engine<number>('jobs').publish({ data: 9, name: 'n', location: 'l', context: 'c' });
    await s.broker.flush({ timeoutMs: 50 }).catch(() => undefined);
    await until(() => s.broker.counters.sinks.memory.failedWrites >= 2);
    // Retries go on during the scrape: the count lies between the counters before and after it.
    const failedBefore = s.broker.counters.sinks.memory.failedWrites;
    const failing = samples((await s.scrape()).text);
    const failedAfter = s.broker.counters.sinks.memory.failedWrites;
    expect(valueOf(failing, 'metaqueue_sink_written_total', { sink: 'store' })).toBe(6);
    expect(valueOf(failing, 'metaqueue_sink_backlog', { sink: 'memory' })).toBe(1);
    const failed = valueOf(failing, 'metaqueue_sink_failed_writes_total', { sink: 'memory' });
    expect(failed).toBeGreaterThanOrEqual(failedBefore);
    expect(failed).toBeLessThanOrEqual(failedAfter);
    connector.failing = false;
    await s.broker.flush();
  });

  it('serves OpenMetrics when the scraper accepts it, and Prometheus text still after', async () => {
    const s = await boot();
    await publishMix(s);
    s.metrics.observeFlush({ durationSeconds: 0.02, records: 5 });

    const { contentType, text } = await s.scrape(
      `${openMetricsAccept},text/plain;version=0.0.4;q=0.5,*/*;q=0.1`,
    );
    expect(contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(text).toContain('# TYPE metaqueue_published counter');
    const all = samples(text.replace(/# EOF\n$/, ''));
    expect(valueOf(all, 'metaqueue_published_total', { topic: 'jobs' })).toBe(6);
    expect(valueOf(all, 'metaqueue_flush_duration_seconds_count')).toBeGreaterThanOrEqual(1);

    // Rendering OpenMetrics must not rename the Prometheus families.
    const prometheus = (await s.scrape('text/plain')).text;
    expect(prometheus).toContain('# TYPE metaqueue_published_total counter');
    expect(valueOf(samples(prometheus), 'metaqueue_published_total', { topic: 'jobs' })).toBe(6);
  });

  itWithParser('writes OpenMetrics that the strict parser reads, values included', async () => {
    const s = await boot();
    const { jobs } = await publishMix(s);
    await s.broker.flush();
    const before = valueOf(
      samples((await s.scrape()).text),
      'metaqueue_flush_duration_seconds_count',
    );
    s.metrics.observeFlush({ durationSeconds: 0.02, records: 3 });

    const { text } = await s.scrape(openMetricsAccept);
    const dir = mkdtempSync(join(tmpdir(), 'metaqueue-metrics-'));
    try {
      const file = join(dir, 'metrics.txt');
      writeFileSync(file, text);
      const parsed = execFileSync(python, ['-c', strictParse, file], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Sample & { family: string; type: string });
      const published = parsed.find(
        (p) => p.name === 'metaqueue_published_total' && p.labels.topic === 'jobs',
      );
      expect(published).toMatchObject({ family: 'metaqueue_published', type: 'counter' });
      expect(published!.value).toBe(jobs.counters.published);
      const count = parsed.find((p) => p.name === 'metaqueue_flush_duration_seconds_count');
      expect(count).toMatchObject({ type: 'histogram', value: before + 1 });
      const families = new Set(parsed.map((p) => p.family));
      for (const family of [
        'metaqueue_queue_depth',
        'metaqueue_sink_written',
        'metaqueue_dropped',
      ]) {
        expect(families).toContain(family);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps two applications in one process apart, and out of the global registry', async () => {
    const db2 = await createTestDatabase();
    try {
      const a = await boot(new MemoryConnector(), ['alpha']);
      const b = await serve(['beta'], { store: db2.store, connectors: [] });
      served.push(b);
      await a.engine('alpha').publish({ data: 1, name: 'n', location: 'l', context: 'c' });
      await a.engine('alpha').publish({ data: 2, name: 'n', location: 'l', context: 'c' });
      await b.engine('beta').publish({ data: 3, name: 'n', location: 'l', context: 'c' });

      const ofA = samples((await a.scrape()).text);
      const ofB = samples((await b.scrape()).text);
      expect(valueOf(ofA, 'metaqueue_published_total', { topic: 'alpha' })).toBe(2);
      expect(valueOf(ofB, 'metaqueue_published_total', { topic: 'beta' })).toBe(1);
      expect(ofA.some((x) => x.labels.topic === 'beta')).toBe(false);
      expect(ofB.some((x) => x.labels.topic === 'alpha')).toBe(false);
      expect(ofB.some((x) => x.labels.sink === 'memory')).toBe(false);
      expect(a.metrics.registry).not.toBe(b.metrics.registry);
      expect(globalRegistry.getMetricsAsArray().map((m) => m.name)).not.toContainEqual(
        expect.stringMatching(/^metaqueue_/),
      );
    } finally {
      await served.pop()!.app.close();
      await db2.drop();
    }
  });
});
