import type { TestingModule } from '@nestjs/testing';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BrokerService,
  getEngineToken,
  OpenMetricsFileConnector,
  type BrokerOptions,
  type EngineCounters,
  type MetadataConnector,
  type MetadataEngine,
  type TopicDeclaration,
} from '../../src/lib/index.js';
import { bootMetaqueue } from '../support/boot.js';
import { parseOpenMetrics } from '../support/openmetrics-tools.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/test-database.js';
import type { Tally } from './scorecard.js';

if (!serverUrl)
  throw new Error('npm run test:faults needs DATABASE_URL, a PostgreSQL server to hurt.');

/**
 * One scenario's world: a database of its own, a TCP proxy in front of it, a
 * directory for OpenMetrics files, and the apps it boots (closed at the end).
 */
export class FaultWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'metaqueue-faults-'));
  private readonly apps: TestingModule[] = [];
  db!: TestDatabase;
  proxy!: TcpProxy;

  async start(): Promise<this> {
    this.db = await createTestDatabase();
    const server = new URL(serverUrl!);
    this.proxy = await new TcpProxy(server.hostname, Number(server.port || 5432)).start();
    return this;
  }

  /** The store URL through the proxy. */
  get proxiedUrl(): string {
    const url = new URL(this.db.store.url!);
    url.host = `127.0.0.1:${this.proxy.port}`;
    return url.toString();
  }

  async boot(options: {
    topics: TopicDeclaration[];
    broker?: BrokerOptions;
    file?: string;
    wrapFile?: (file: MetadataConnector) => MetadataConnector;
  }) {
    const file = new OpenMetricsFileConnector({ path: join(this.dir, options.file ?? 'log.txt') });
    const app = await bootMetaqueue({
      topics: options.topics,
      store: { url: this.proxiedUrl },
      connectors: [options.wrapFile ? options.wrapFile(file) : file],
      broker: { retryInitialDelayMs: 10, retryMaxDelayMs: 250, ...options.broker },
    });
    this.apps.push(app);
    return {
      app,
      broker: app.get(BrokerService),
      engine: <T = unknown>(topic: string) => app.get<MetadataEngine<T>>(getEngineToken(topic)),
    };
  }

  async closeApps(): Promise<void> {
    this.proxy.refuse(false);
    await Promise.all(this.apps.splice(0).map((app) => app.close()));
  }

  /** Counts what reached the table, the dead-letter table and the closed files. */
  async tally(
    counts: Pick<Tally, 'published' | 'accepted' | 'dropped'>,
    acceptedIds?: Iterable<string>,
  ): Promise<Tally> {
    await this.closeApps();
    const [{ rows, distinct }] = await this.db.query<{ rows: number; distinct: number }>(
      'SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct FROM metadata',
    );
    const [{ dead }] = await this.db.query<{ dead: number }>(
      'SELECT count(*)::int AS dead FROM metadata_dead_letter',
    );
    const fileIds = readdirSync(this.dir)
      .filter((f) => /\.txt(\.\d+)?$/.test(f))
      .flatMap((f) => parseOpenMetrics(join(this.dir, f)).map((s) => s.labels.id));
    let phantoms: number | undefined;
    if (acceptedIds) {
      const known = new Set(acceptedIds);
      const ids = await this.db.query<{ id: string }>('SELECT id FROM metadata');
      phantoms = ids.filter(({ id }) => !known.has(id)).length;
    }
    return {
      ...counts,
      stored: distinct,
      duplicateRows: rows - distinct,
      deadLettered: dead,
      file: fileIds.length,
      duplicateSamples: fileIds.length - new Set(fileIds).size,
      phantoms,
    };
  }

  async stop(): Promise<void> {
    await this.closeApps();
    await this.proxy.stop();
    await this.db.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs `count` publishers at once, each publishing `each` records through `publish`. */
export async function publishers(
  count: number,
  each: number,
  publish: (publisher: number, i: number) => Promise<unknown>,
): Promise<PromiseSettledResult<unknown>[]> {
  const all = await Promise.all(
    Array.from({ length: count }, async (_, p) => {
      const outcomes: PromiseSettledResult<unknown>[] = [];
      for (let i = 0; i < each; i++) {
        outcomes.push(
          await publish(p, i).then(
            (value) => ({ status: 'fulfilled' as const, value }),
            (reason: unknown) => ({ status: 'rejected' as const, reason }),
          ),
        );
      }
      return outcomes;
    }),
  );
  return all.flat();
}

/** The ids of the records that publish() resolved with. */
export function acceptedIdsOf(outcomes: PromiseSettledResult<unknown>[]): string[] {
  return outcomes.flatMap((o) =>
    o.status === 'fulfilled' && o.value ? [(o.value as { id: string }).id] : [],
  );
}

/** The scorecard's counts from an engine's counters. */
export function countsOf(c: EngineCounters): Pick<Tally, 'published' | 'accepted' | 'dropped'> {
  return {
    published: c.published,
    accepted: c.accepted,
    dropped: c.dropped['drop-newest'] + c.dropped['drop-oldest'],
  };
}
