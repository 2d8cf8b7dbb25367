import { Injectable, Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BrokerService,
  getEngineToken,
  MetadataStore,
  MetaqueueConfigError,
  MetaqueueModule,
  OpenMetricsFileConnector,
  type ConnectorRegistration,
  type MetadataConnector,
  type MetadataEngine,
  type MetadataRecord,
} from '../../src/lib/index.js';
import {
  describeWithOpenMetricsTools,
  parseOpenMetrics,
  promtoolImport,
  recordOf,
} from '../support/openmetrics-tools.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { records } from '../support/records.js';
import { mountTmpfs, onSmallDisk, unmount } from '../support/small-disk.js';
import { until } from '../support/until.js';
import { createTestDatabase, type TestDatabase } from '../harness/test-database.js';

/** Fails its first `failures` writes, then writes through. */
/**
 * Fails its first `failures` writes; the last of them waits for `recover()`,
 * so the test, not the machine's speed, decides how long it keeps failing.
 */
class FlakyConnector implements MetadataConnector {
  readonly name = 'flaky';
  calls = 0;
  recover!: () => void;
  private readonly recovered = new Promise<void>((resolve) => (this.recover = resolve));
  constructor(
    private readonly inner: MetadataConnector,
    private readonly failures: number,
  ) {}
  open = () => this.inner.open!();
  close = () => this.inner.close!();
  async write(records: readonly MetadataRecord[]): Promise<void> {
    if (++this.calls <= this.failures) {
      if (this.calls === this.failures) await this.recovered;
      throw new Error(`disk full (simulated, call ${this.calls})`);
    }
    await this.inner.write(records);
  }
}

@Injectable()
class AuditTrail {
  readonly ids: string[] = [];
}

@Injectable()
class AuditConnector implements MetadataConnector {
  constructor(private readonly trail: AuditTrail) {}
  write(records: readonly MetadataRecord[]): Promise<void> {
    this.trail.ids.push(...records.map((r) => r.id));
    return Promise.resolve();
  }
}

describeWithOpenMetricsTools('OpenMetrics file connector', () => {
  let dir: string;
  let db: TestDatabase;
  let app: TestingModule | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'metaqueue-om-'));
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const boot = async (
    connectors: ConnectorRegistration[],
    broker = {},
    providers: unknown[] = [],
  ) => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        MetaqueueModule.forRoot({
          topics: ['jobs', 'checks'],
          store: db.store,
          connectors,
          broker,
        }),
      ],
      providers: providers as [],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init().catch(async (error: unknown) => {
      await moduleRef.close();
      throw error;
    });
    app = moduleRef;
    return {
      jobs: app.get<MetadataEngine>(getEngineToken('jobs')),
      checks: app.get<MetadataEngine>(getEngineToken('checks')),
      broker: app.get(BrokerService),
      store: app.get(MetadataStore),
    };
  };

  const closeApp = async () => {
    await app!.close();
    app = undefined;
  };

  it('writes every stored record exactly, in a file the strict parser and promtool read whole', async () => {
    const path = join(dir, 'log.txt');
    const { jobs, checks, broker, store } = await boot([
      new OpenMetricsFileConnector({ samples: 'per-record', path }),
    ]);
    await store.dataSource.query(
      `ALTER TABLE metadata ADD CONSTRAINT no_poison CHECK (location <> 'poison')`,
    );
    const awkward = [
      '"quoted"',
      'back\\slash\\n',
      'new\nline',
      'cr\rtab\t',
      'ünï 😀 \u2028',
      `'); DROP TABLE x; --`,
    ];
    const big = {
      items: Array.from({ length: 5_000 }, (_, i) => ({ i, text: awkward[i % awkward.length] })),
    };
    const values: unknown[] = [
      0,
      42,
      -0.5,
      1e300,
      5e-324,
      'ok',
      '',
      true,
      null,
      [1, 'two'],
      { nested: awkward },
      big,
    ];
    const published: MetadataRecord[] = [];
    for (const [i, data] of values.entries()) {
      for (const text of awkward) {
        published.push(
          (await jobs.publish({ data, name: `job_${i % 3}`, location: text, context: text }))!,
        );
      }
    }
    for (let i = 0; i < 500; i++) {
      published.push(
        (await checks.publish({ data: i, name: 'ns:check_total', location: 'api', context: 'c' }))!,
      );
    }
    await checks.publish({ data: 'x', name: 'poisoned', location: 'poison', context: 'c' });
    await broker.flush();
    const [{ count }] = await store.dataSource.query('SELECT count(*)::int AS count FROM metadata');
    await closeApp();

    expect(readdirSync(dir)).toEqual(['log.txt']);
    const samples = parseOpenMetrics(path);
    expect(count).toBe(published.length);
    expect(samples).toHaveLength(count as number);
    const byId = new Map(samples.map((s) => [s.labels.id, recordOf(s)]));
    for (const record of published) {
      expect(byId.get(record.id)).toEqual({
        id: record.id,
        topic: record.topic,
        name: record.name,
        location: record.location,
        context: record.context,
        data: JSON.parse(record.json),
        publishedAt: record.publishedAt.getTime(),
      });
    }
    expect(promtoolImport(path)).toBe(count);
  });

  it('takes a record at every limit publish allows: the table and the file, nothing dead-lettered', async () => {
    const path = join(dir, 'log.txt');
    const { jobs, broker } = await boot([
      new OpenMetricsFileConnector({ samples: 'per-record', path }),
    ]);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 63; i++) deep = { level: deep };
    const label = 'é'.repeat(2_048);
    const records = [
      await jobs.publish({ data: 1, name: 'n'.repeat(200), location: 'l', context: 'c' }),
      await jobs.publish({ data: 2, name: 'labels', location: label, context: label }),
      await jobs.publish({ data: 'x'.repeat(4_194_302), name: 'big', location: 'l', context: 'c' }),
      await jobs.publish({ data: deep, name: 'deep', location: 'l', context: 'c' }),
    ];
    await broker.flush();
    expect(broker.counters.sinks.store).toMatchObject({ written: 4, deadLettered: 0 });
    await closeApp();
    const samples = parseOpenMetrics(path);
    expect(samples.map((s) => s.labels.id).sort()).toEqual(records.map((r) => r!.id).sort());
    expect(samples.find((s) => s.name === 'labels')!.labels.location).toBe(label);
  });

  it('names no file after user data: a metric name too long for a file name is written', async () => {
    const path = join(dir, 'log.txt');
    const connector = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await connector.open();
    const long = records(3).map((r) => ({ ...r, name: `m${'x'.repeat(300)}` }));
    const batch = [...long, ...records(2)];
    await connector.write(batch);
    expect(readdirSync(`${path}.spool`).sort()).toEqual(['0', '1']);
    await connector.close();
    const ids = parseOpenMetrics(path).map((s) => s.labels.id);
    expect(ids.sort()).toEqual(batch.map((r) => r.id).sort());
  });

  it('keeps spool files open between batches, but never more than 64, whatever the families', async () => {
    const path = join(dir, 'log.txt');
    const connector = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await connector.open();
    const openSpoolFiles = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(join('/proc/self/fd', fd)).startsWith(`${path}.spool/`);
        } catch {
          return false; // closed since the listing
        }
      }).length;
    const batches = Array.from({ length: 3 }, () =>
      records(500).map((r, i) => ({ ...r, name: `family_${i % 100}` })),
    );
    const first = records(10);
    await connector.write(first);
    expect(openSpoolFiles()).toBe(1);
    for (const batch of batches) {
      await connector.write(batch);
      expect(openSpoolFiles()).toBe(64);
    }
    await connector.close();
    expect(openSpoolFiles()).toBe(0);
    const samples = parseOpenMetrics(path);
    expect(samples.map((s) => s.labels.id).sort()).toEqual(
      [...first, ...batches.flat()].map((r) => r.id).sort(),
    );
    expect(new Set(samples.map((s) => s.name)).size).toBe(101);
  });

  it('rotates by size; every rotated file is a complete exposition, together holding every record', async () => {
    const path = join(dir, 'log.txt');
    const { jobs, broker } = await boot([
      new OpenMetricsFileConnector({ samples: 'per-record', path, maxFileBytes: 30_000 }),
    ]);
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          jobs.publish({
            data: i,
            name: `family_${i % 4}`,
            location: 'l',
            context: `batch ${batch}`,
          }),
        ),
      );
      await broker.flush();
    }
    await closeApp();
    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThan(3);
    expect(files.every((f) => /^log\.txt(\.\d+)?$/.test(f))).toBe(true);
    let total = 0;
    for (const file of files) {
      const samples = parseOpenMetrics(join(dir, file));
      total += samples.length;
      expect(promtoolImport(join(dir, file))).toBe(samples.length);
    }
    expect(total).toBe(2_000);
  });

  it('keeps what an earlier run wrote: the old file is rotated, not overwritten', async () => {
    const path = join(dir, 'log.txt');
    for (let run = 0; run < 2; run++) {
      const { jobs, broker } = await boot([
        new OpenMetricsFileConnector({ samples: 'per-record', path }),
      ]);
      await jobs.publish({ data: run, name: 'run', location: 'l', context: 'c' });
      await broker.flush();
      await closeApp();
    }
    expect(readdirSync(dir).sort()).toEqual(['log.txt', 'log.txt.1']);
    expect(parseOpenMetrics(`${path}.1`).map((s) => s.value)).toEqual([0]);
    expect(parseOpenMetrics(path).map((s) => s.value)).toEqual([1]);
  });

  it('after a crash, the spool left behind becomes a complete rotated file at the next start', async () => {
    const path = join(dir, 'log.txt');
    const crashed = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await crashed.open();
    const records = Array.from({ length: 50 }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      topic: 't',
      name: i % 2 ? 'odd' : 'even',
      location: 'l',
      context: 'c',
      data: i,
      json: String(i),
      publishedAt: new Date(1_764_400_000_000 + i),
    }));
    await crashed.write(records.slice(0, 30));
    await crashed.write(records.slice(30));
    // No close(): the process died, and its lock names a process that is gone.
    writeFileSync(`${path}.lock`, String(spawnSync(process.execPath, ['-e', '']).pid));
    const next = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await next.open();
    await next.close();
    // Until a replay shows it has passed them, the spool's ids are kept: they must not come twice.
    expect(readdirSync(dir).sort()).toEqual(['log.txt', 'log.txt.1', 'log.txt.skip']);
    expect(readFileSync(`${path}.skip`, 'utf8').split('\n').sort()).toEqual(
      records.map((r) => r.id).sort(),
    );
    expect(
      parseOpenMetrics(`${path}.1`)
        .map((s) => s.value)
        .sort((a, b) => a - b),
    ).toEqual(records.map((r) => r.data));
    expect(parseOpenMetrics(path)).toEqual([]);
  });

  it('a connector failing for a while loses nothing and holds back neither the database nor the others', async () => {
    const flaky = new FlakyConnector(
      new OpenMetricsFileConnector({ samples: 'per-record', path: join(dir, 'flaky.txt') }),
      6,
    );
    const steady = join(dir, 'steady.txt');
    const { jobs, broker, store } = await boot(
      [flaky, new OpenMetricsFileConnector({ samples: 'per-record', path: steady })],
      // Ten batches: the store takes each while the connector still fails the first.
      { flushIntervalMs: 20, maxBatchSize: 100, retryInitialDelayMs: 50, retryMaxDelayMs: 100 },
    );
    await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        jobs.publish({ data: i, name: 'n', location: 'l', context: 'c' }),
      ),
    );
    // The database gets everything while the flaky connector is still failing.
    await until(
      async () =>
        (await store.dataSource.query('SELECT count(*)::int AS c FROM metadata'))[0].c === 1_000,
    );
    expect(flaky.calls).toBeLessThanOrEqual(6);
    flaky.recover();
    await broker.flush();
    const stats = broker.counters.sinks;
    expect(stats.flaky).toMatchObject({ written: 1_000, failedWrites: 6, dropped: 0, backlog: 0 });
    expect(stats[`OpenMetricsFileConnector(${steady})`]).toMatchObject({
      written: 1_000,
      failedWrites: 0,
    });
    await closeApp();
    expect(parseOpenMetrics(join(dir, 'flaky.txt'))).toHaveLength(1_000);
    expect(parseOpenMetrics(steady)).toHaveLength(1_000);
  });

  it('bounds the backlog of a connector that keeps failing, and counts what it drops', async () => {
    const broken: MetadataConnector = {
      name: 'broken',
      write: () => Promise.reject(new Error('down')),
    };
    const { jobs, broker } = await boot([broken], {
      maxBatchSize: 100,
      maxConnectorBacklog: 300,
      retryInitialDelayMs: 10,
      retryMaxDelayMs: 20,
      shutdownTimeoutMs: 200,
    });
    for (let i = 0; i < 10; i++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          jobs.publish({ data: j, name: 'n', location: 'l', context: `${i}` }),
        ),
      );
      await broker.flush({ timeoutMs: 50 }).catch(() => undefined);
    }
    // A flush stops waiting after its 50 ms, not writing: wait for the last batch to be handed out.
    const handedOut = () => {
      const { store, broken } = broker.counters.sinks;
      return store.written === 1_000 && broken.dropped + broken.backlog === 1_000;
    };
    await until(handedOut).catch(() => undefined);
    expect(broker.counters.sinks.store.written).toBe(1_000);
    const { dropped, backlog } = broker.counters.sinks.broken;
    expect(backlog).toBeLessThanOrEqual(300 + 100);
    expect(dropped + backlog).toBe(1_000);
    await closeApp();
    expect(broker.counters.sinks.broken.unflushed).toBe(backlog);
  });

  it('resolves connectors through Nest DI: a provider class, and a factory', async () => {
    const { jobs, broker } = await boot(
      [
        AuditConnector,
        { useFactory: (moduleRef) => moduleRef.get(AuditConnector, { strict: false }) },
      ],
      {},
      [AuditTrail, AuditConnector],
    );
    const record = await jobs.publish({ data: 1, name: 'n', location: 'l', context: 'c' });
    await broker.flush();
    expect(app!.get(AuditTrail).ids).toEqual([record!.id, record!.id]);
    expect(Object.keys(broker.counters.sinks)).toEqual([
      'store',
      'AuditConnector',
      'AuditConnector#2',
    ]);
  });

  it('refuses an unwritable path at startup, with the path in the error', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    for (const path of [join(dir, 'missing', 'log.txt'), join(file, 'log.txt')]) {
      const error = await boot([
        new OpenMetricsFileConnector({ samples: 'per-record', path }),
      ]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MetaqueueConfigError);
      expect((error as Error).message).toContain(`Cannot write the OpenMetrics file ${path}`);
    }
    app = undefined;
  });

  it('a second writer of the same path fails at startup; the first keeps its file', async () => {
    const path = join(dir, 'log.txt');
    const first = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await first.open();
    const second = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await expect(second.open()).rejects.toThrow(
      new RegExp(`file ${path} is already written by process ${process.pid}`),
    );
    const batch = records(20);
    await first.write(batch);
    await first.close();
    expect(parseOpenMetrics(path).map((s) => s.labels.id)).toEqual(batch.map((r) => r.id));
    // Once the first has closed, the path is free.
    await second.open();
    await second.close();
  });

  it('starts a new spool when the live one is deleted, and logs how many records went with it', async () => {
    const logger = new CapturingLogger();
    Logger.overrideLogger(logger);
    try {
      const path = join(dir, 'log.txt');
      const connector = new OpenMetricsFileConnector({ samples: 'per-record', path });
      await connector.open();
      await connector.write(records(10));
      rmSync(`${path}.spool`, { recursive: true });
      const after = records(20);
      // The spool files stay open, so the connector looks for the directory before it writes.
      await connector.write(after);
      await connector.close();
      expect(parseOpenMetrics(path).map((s) => s.labels.id)).toEqual(after.map((r) => r.id));
      expect(logger.lines.join('\n')).toContain(
        `The OpenMetrics spool ${path}.spool was deleted while in use: the 10 records`,
      );
    } finally {
      Logger.overrideLogger(false);
    }
  });

  it('when log.txt has become a directory, close says so and the next start writes the records', async () => {
    const path = join(dir, 'log.txt');
    const connector = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await connector.open();
    const batch = records(10);
    await connector.write(batch);
    mkdirSync(path);
    await expect(connector.close()).rejects.toThrow(
      `Could not finish the OpenMetrics file ${path}`,
    );
    const next = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await expect(next.open()).rejects.toThrow(/exists and is not a file/);
    rmSync(path, { recursive: true });
    await next.open();
    await next.close();
    expect(parseOpenMetrics(`${path}.1`).map((s) => s.labels.id)).toEqual(batch.map((r) => r.id));
    expect(readdirSync(dir).sort()).toEqual(['log.txt', 'log.txt.1', 'log.txt.skip']);
  });
});

describeWithOpenMetricsTools('OpenMetrics file on a disk that fills up', () => {
  onSmallDisk.it(
    'cuts back a batch a full disk left half-appended, so its retry writes each record once',
    async () => {
      const dir = mountTmpfs('1m')!;
      try {
        const path = join(dir, 'log.txt');
        const connector = new OpenMetricsFileConnector({ samples: 'per-record', path });
        await connector.open();
        const first = records(200);
        await connector.write(first);
        const spoolFile = join(`${path}.spool`, '0');
        const spooled = statSync(spoolFile).size;
        // Leave about 20 KiB free: the next batch (about 300 KiB) runs out of space halfway.
        const { bavail, bsize } = statfsSync(dir);
        writeFileSync(join(dir, 'filler'), Buffer.alloc(bavail * bsize - 20 * 1024));
        const second = records(2_000);
        await expect(connector.write(second)).rejects.toThrow(/ENOSPC/);
        expect(statSync(spoolFile).size).toBeGreaterThan(spooled);
        rmSync(join(dir, 'filler'));
        await connector.write(second);
        await connector.close();
        const ids = parseOpenMetrics(path).map((s) => s.labels.id);
        expect(ids).toHaveLength(2_200);
        expect(new Set(ids)).toEqual(new Set([...first, ...second].map((r) => r.id)));
      } finally {
        unmount(dir);
      }
    },
  );
});
