import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MetaqueueHealthIndicator,
  BrokerService,
  EngineRegistry,
  MetaqueueModule,
  type MetadataConnector,
  type MetadataRecord,
  type MetaqueueModuleExtras,
  type MetaqueueModuleOptions,
} from '../../src/lib/index.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';
import { hangBound } from '../support/hang-bound.js';

const backend = serverUrl ? 'PostgreSQL' : 'PGlite';
const thresholdMs = 100;

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly metaqueue: MetaqueueHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () =>
        this.metaqueue.isHealthy('metaqueue', {
          failingForMs: thresholdMs,
          fullForMs: thresholdMs,
        }),
    ]);
  }
}

/** Fails every write while `failing` is set. */
class SwitchableConnector implements MetadataConnector {
  readonly name = 'flaky';
  failing = false;
  written = 0;
  async write(records: readonly MetadataRecord[]): Promise<void> {
    if (this.failing) throw new Error('unavailable (simulated)');
    this.written += records.length;
  }
}

interface Health {
  status: string;
  details: { metaqueue: { status: string; failingSinks?: string[]; fullQueues?: string[] } };
}

describe(`MetaqueueHealthIndicator, store on ${backend}`, () => {
  let db: TestDatabase;
  let app: INestApplication | undefined;

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await db.drop();
  });

  const serve = async (options: MetaqueueModuleOptions & MetaqueueModuleExtras) => {
    const moduleRef = await Test.createTestingModule({
      imports: [MetaqueueModule.forRoot(options), TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/health`;
    return async () => {
      const response = await fetch(url);
      return { status: response.status, body: (await response.json()) as Health };
    };
  };

  /** Checks until the status is `status`; checks are what the indicator measures time by. */
  const checkUntil = async (
    check: () => Promise<{ status: number; body: Health }>,
    status: number,
  ) => {
    const until = Date.now() + hangBound(10_000);
    for (;;) {
      const result = await check();
      if (result.status === status) return result.body;
      if (Date.now() > until) throw new Error(`health stayed ${result.status}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('is up, then down while a connector keeps failing past the threshold, then up again', async () => {
    const connector = new SwitchableConnector();
    const check = await serve({
      topics: ['jobs'],
      store: db.store,
      broker: { flushIntervalMs: 20, retryInitialDelayMs: 5, retryMaxDelayMs: 10 },
      connectors: [connector],
    });
    const jobs = app!.get(EngineRegistry).get<number>('jobs');
    const publish = () => jobs.publish({ data: 1, name: 'n', location: 'l', context: 'c' });

    await publish();
    await app!.get(BrokerService).flush();
    expect(await check()).toEqual({
      status: 200,
      body: expect.objectContaining({ status: 'ok', details: { metaqueue: { status: 'up' } } }),
    });

    connector.failing = true;
    await publish();
    // Failing, but not yet for longer than the threshold: still up.
    while (app!.get(BrokerService).counters.sinks.flaky.failedWrites === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await check()).status).toBe(200);
    const down = await checkUntil(check, 503);
    expect(down.status).toBe('error');
    expect(down.details.metaqueue).toMatchObject({
      status: 'down',
      failingSinks: ['flaky'],
      fullQueues: [],
    });

    connector.failing = false;
    await checkUntil(check, 200);
    expect(connector.written).toBe(2);
  });

  it('is down while a queue stays full past the threshold', async () => {
    // No store and no connector: nothing drains the queue.
    const check = await serve({
      topics: [{ topic: 'jobs', bufferSize: 2, overflow: 'drop-newest' }],
      store: false,
    });
    const jobs = app!.get(EngineRegistry).get<number>('jobs');
    for (let i = 0; i < 3; i++)
      await jobs.publish({ data: i, name: 'n', location: 'l', context: 'c' });

    expect((await check()).status).toBe(200);
    const down = await checkUntil(check, 503);
    expect(down.details.metaqueue).toMatchObject({ failingSinks: [], fullQueues: ['jobs'] });

    jobs.take(1);
    expect((await check()).status).toBe(200);
  });
});
