import {
  Controller,
  Get,
  Inject,
  Module,
  Res,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Counter,
  openMetricsContentType,
  Registry,
  type OpenMetricsContentType,
} from 'prom-client';
import { Registry as Registry14 } from 'prom-client-14';
import {
  BrokerService,
  EngineRegistry,
  MetaqueueConfigError,
  MetaqueueMetrics,
  MetaqueueModule,
  MetricsController,
  type MetadataEngine,
} from '../../src/lib/index.js';
import { errorMessages } from '../../src/lib/metaqueue.messages.js';
import { ChildApp } from '../harness/child-app.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';
import { samples, valueOf, type Sample } from '../support/exposition.js';

const backend = serverUrl ? 'PostgreSQL' : 'PGlite';

/** What an app's own endpoint needs of its registry, whichever copy of prom-client made it. */
interface ServedRegistry {
  contentType: string;
  metrics(): Promise<string>;
  getMetricsAsArray(): { name: string }[];
}

/** The app's registry, as an app provides it (here, with prom-client alone). */
const APP_REGISTRY = Symbol('APP_REGISTRY');

/** The app's own GET /metrics: its registry, whatever is in it. */
@Controller('metrics')
class AppMetricsController {
  constructor(@Inject(APP_REGISTRY) private readonly registry: ServedRegistry) {}

  @Get()
  async scrape(
    @Res({ passthrough: true }) response: { header(name: string, value: string): unknown },
  ): Promise<string> {
    response.header('Content-Type', this.registry.contentType);
    return this.registry.metrics();
  }
}

interface Served {
  app: INestApplication;
  broker: BrokerService;
  jobs: MetadataEngine<number>;
  /** GET /metrics over HTTP: the samples of the app's own endpoint. */
  scrape(): Promise<Sample[]>;
}

const metaqueueNames = (registry: ServedRegistry) =>
  registry
    .getMetricsAsArray()
    .map((m) => m.name)
    .filter((name) => name.startsWith('metaqueue_'));

describe(`metaqueue's series in the application's registry, store on ${backend}`, () => {
  let db: TestDatabase;
  const apps: INestApplication[] = [];

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await db.drop();
  });

  /**
   * An app that provides its registry, and gives it to metaqueue from DI
   * (forRootAsync); it listens on a free port. Closed again if it fails to
   * start. `withStore: false` for tests of the registry alone: they start faster.
   */
  const serve = async (
    registry: ServedRegistry,
    { controllers = [], withStore = true }: { controllers?: Type[]; withStore?: boolean } = {},
  ): Promise<Served> => {
    @Module({
      providers: [{ provide: APP_REGISTRY, useValue: registry }],
      exports: [APP_REGISTRY],
    })
    class AppRegistryModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        AppRegistryModule,
        MetaqueueModule.forRootAsync({
          topics: [{ topic: 'jobs', dtype: 'number' }],
          imports: [AppRegistryModule],
          inject: [APP_REGISTRY],
          useFactory: (appRegistry: Registry) => ({
            store: withStore ? db.store : false,
            // Flushes only when asked, so the queue holds what the test published.
            broker: { flushIntervalMs: 3_600_000 },
            metrics: { registry: appRegistry },
          }),
        }),
      ],
      controllers: [AppMetricsController, ...controllers],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.listen(0, '127.0.0.1');
    } catch (error) {
      await app.close();
      throw error;
    }
    apps.push(app);
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    return {
      app,
      broker: app.get(BrokerService),
      jobs: app.get(EngineRegistry).get('jobs'),
      async scrape() {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(response.status).toBe(200);
        return samples((await response.text()).replace(/# EOF\n$/, ''));
      },
    };
  };

  const publish = async (served: Served, count: number) => {
    for (let i = 0; i < count; i++) {
      await served.jobs.publish({ data: i, name: 'job', location: 'app', context: 'test' });
    }
  };

  it("are served by the app's own endpoint with its metrics and default labels, and move as records flow", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'orders' });
    const requests = new Counter({
      name: 'app_requests_total',
      help: 'Requests the app took.',
      registers: [registry],
    });
    const served = await serve(registry);
    requests.inc(2);

    await publish(served, 3);
    let all = await served.scrape();
    const jobs = { topic: 'jobs', service: 'orders' };
    expect(valueOf(all, 'app_requests_total', { service: 'orders' })).toBe(2);
    expect(valueOf(all, 'metaqueue_published_total', jobs)).toBe(3);
    expect(valueOf(all, 'metaqueue_queue_depth', jobs)).toBe(3);
    expect(valueOf(all, 'metaqueue_sink_written_total', { sink: 'store' })).toBe(0);

    await served.broker.flush();
    all = await served.scrape();
    expect(valueOf(all, 'metaqueue_queue_depth', jobs)).toBe(0);
    expect(valueOf(all, 'metaqueue_sink_written_total', { sink: 'store', service: 'orders' })).toBe(
      3,
    );
    expect(valueOf(all, 'metaqueue_flush_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(valueOf(all, 'metaqueue_last_flush_timestamp_seconds')).toBeGreaterThan(0);

    await publish(served, 2);
    all = await served.scrape();
    expect(valueOf(all, 'metaqueue_published_total', jobs)).toBe(5);
    expect(valueOf(all, 'metaqueue_queue_depth', jobs)).toBe(2);
    // metaqueue adds its own series, and no default metrics.
    expect(
      registry
        .getMetricsAsArray()
        .map((m) => m.name)
        .filter((name) => !name.startsWith('metaqueue_')),
    ).toEqual(['app_requests_total']);
  });

  it('are removed at shutdown, so the app can be created again on the same registry, an OpenMetrics one too', async () => {
    // An OpenMetrics registry renames the counters it renders: they must still be found to be removed.
    const registry = openMetricsRegistry();
    const requests = new Counter({ name: 'app_requests_total', help: 'h', registers: [registry] });
    const first = await serve(registry, { withStore: false });
    await publish(first, 4);
    expect(valueOf(await first.scrape(), 'metaqueue_published_total', { topic: 'jobs' })).toBe(4);
    await apps.pop()!.close();
    expect(registry.getMetricsAsArray()).toEqual([requests]);

    const second = await serve(registry, { withStore: false });
    expect(valueOf(await second.scrape(), 'metaqueue_published_total', { topic: 'jobs' })).toBe(0);
    await publish(second, 1);
    expect(valueOf(await second.scrape(), 'metaqueue_published_total', { topic: 'jobs' })).toBe(1);
  });

  it('refuses a second app on the same registry while the first runs, and leaves the first alone', async () => {
    const registry = new Registry();
    const first = await serve(registry, { withStore: false });
    await publish(first, 2);
    const names = metaqueueNames(registry);

    const second = serve(registry, { withStore: false });
    await expect(second).rejects.toThrow(MetaqueueConfigError);
    await expect(second).rejects.toThrow(errorMessages.metricsNamesTaken(names));
    // The refused app was closed: the first's series are still there, and still its own.
    expect(metaqueueNames(registry)).toEqual(names);
    await publish(first, 1);
    expect(valueOf(await first.scrape(), 'metaqueue_published_total', { topic: 'jobs' })).toBe(3);
  });

  it('refuses MetricsController, which would serve the same series on a second endpoint', async () => {
    const registry = new Registry();
    const served = serve(registry, { controllers: [MetricsController], withStore: false });
    await expect(served).rejects.toThrow(MetaqueueConfigError);
    await expect(served).rejects.toThrow(errorMessages.metricsControllerWithAppRegistry());
    expect(metaqueueNames(registry)).toEqual([]);
  });

  it('takes a Registry of another copy of prom-client, of another version (14)', async () => {
    const registry = new Registry14();
    const served = await serve(registry, { withStore: false });
    await publish(served, 2);
    served.app.get(MetaqueueMetrics).observeFlush({ durationSeconds: 0.02, records: 2 });
    const all = await served.scrape();
    expect(valueOf(all, 'metaqueue_published_total', { topic: 'jobs' })).toBe(2);
    expect(valueOf(all, 'metaqueue_queue_depth', { topic: 'jobs' })).toBe(2);
    expect(valueOf(all, 'metaqueue_flush_duration_seconds_bucket', { le: '0.025' })).toBe(1);
    expect(valueOf(all, 'metaqueue_flush_duration_seconds_count')).toBe(1);
    await apps.pop()!.close();
    expect(metaqueueNames(registry)).toEqual([]);
  });
});

/**
 * The common Nest setup, in an app process of its own (test/harness/prometheus-app.ts):
 * @willsoto/nestjs-prometheus serves GET /metrics from prom-client's global
 * registry, with its default metrics and the app's counter.
 */
describe(`@willsoto/nestjs-prometheus's /metrics, store on ${backend}`, () => {
  let db: TestDatabase;
  let child: ChildApp | undefined;

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    if (child) await child.stop('SIGKILL').catch(() => undefined);
    child = undefined;
    await db.drop();
  });

  it("carries metaqueue's series beside the app's, moving as records flow, and none after shutdown", async () => {
    child = ChildApp.start('test/harness/prometheus-app.ts', {
      env: { METAQUEUE_TEST_STORE: JSON.stringify(db.store) },
    });
    await child.waitForLine('ready');
    const port = Number(child.lines.find((line) => line.startsWith('port '))!.slice(5));
    const post = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST' });
      expect(response.status).toBe(201);
    };
    const scrape = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      return samples(await response.text());
    };
    const jobs = { topic: 'jobs' };

    await post('/orders');
    await post('/orders');
    await post('/jobs/3');
    let all = await scrape();
    expect(valueOf(all, 'app_orders_total')).toBe(2);
    expect(all.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(valueOf(all, 'metaqueue_published_total', jobs)).toBe(3);
    expect(valueOf(all, 'metaqueue_queue_depth', jobs)).toBe(3);
    expect(valueOf(all, 'metaqueue_sink_written_total', { sink: 'store' })).toBe(0);

    await post('/flush');
    all = await scrape();
    expect(valueOf(all, 'metaqueue_queue_depth', jobs)).toBe(0);
    expect(valueOf(all, 'metaqueue_sink_written_total', { sink: 'store' })).toBe(3);
    expect(valueOf(all, 'metaqueue_flush_duration_seconds_count')).toBe(1);

    await post('/jobs/2');
    all = await scrape();
    expect(valueOf(all, 'metaqueue_published_total', jobs)).toBe(5);
    expect(valueOf(all, 'metaqueue_queue_depth', jobs)).toBe(2);

    const at = child.lines.length;
    expect(await child.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const left = JSON.parse(child.lines[at]) as string[];
    expect(left).toContain('app_orders_total');
    expect(left).toContain('process_cpu_user_seconds_total');
    expect(left.filter((name) => name.startsWith('metaqueue_'))).toEqual([]);
  });
});

function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(openMetricsContentType);
  return registry;
}
