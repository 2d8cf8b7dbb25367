import type { INestApplicationContext } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BrokerService,
  EngineRegistry,
  getEngineToken,
  OpenMetricsFileConnector,
  type BrokerOptions,
  type BufferOptions,
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
  private readonly droppedIds = new Set<string>();
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
    buffer?: BufferOptions;
    file?: string;
    wrapFile?: (file: MetadataConnector) => MetadataConnector;
  }) {
    const file = new OpenMetricsFileConnector({ path: join(this.dir, options.file ?? 'log.txt') });
    const app = await bootMetaqueue({
      topics: options.topics,
      buffer: options.buffer,
      store: options.broker?.role === 'publisher' ? false : { url: this.proxiedUrl },
      connectors:
        options.broker?.role === 'publisher'
          ? []
          : [options.wrapFile ? options.wrapFile(file) : file],
      broker: { retryInitialDelayMs: 10, retryMaxDelayMs: 250, ...options.broker },
    });
    this.watchDrops(app);
    this.apps.push(app);
    return {
      app,
      broker: app.get(BrokerService),
      engine: <T = unknown>(topic: string) => app.get<MetadataEngine<T>>(getEngineToken(topic)),
    };
  }

  /** Keeps the id of every record an engine of `app` drops, for the tally. */
  watchDrops(app: INestApplicationContext): void {
    for (const engine of app.get(EngineRegistry).getAll()) {
      engine.onDropped((record) => this.droppedIds.add(record.id));
    }
  }

  async closeApps(): Promise<void> {
    this.proxy.refuse(false);
    await Promise.all(this.apps.splice(0).map((app) => app.close()));
  }

  /**
   * Closes the apps, then compares, as id sets, what was accepted (the ids
   * publish() resolved with, less those dropped since) with what reached the
   * table, the dead-letter table and the closed files. With the engines'
   * counters, also checks that they agree with the ids.
   */
  async tally(resolvedIds: Iterable<string>, counters: EngineCounters[] = []): Promise<Tally> {
    await this.closeApps();
    const resolved = new Set(resolvedIds);
    const dropped = this.droppedIds;
    const accepted = new Set([...resolved].filter((id) => !dropped.has(id)));
    const storedRows = await this.db.query<{ id: string }>('SELECT id FROM metadata');
    const stored = new Set(storedRows.map((r) => r.id));
    const dead = new Set(
      (await this.db.query<{ id: string }>('SELECT id FROM metadata_dead_letter')).map((r) => r.id),
    );
    const fileIds = readdirSync(this.dir)
      .filter((f) => /\.txt(\.\d+)?$/.test(f))
      .flatMap((f) => parseOpenMetrics(join(this.dir, f)).map((s) => s.labels.id));
    const inFile = new Set(fileIds);
    const count = (ids: Iterable<string>, where: (id: string) => boolean) =>
      [...ids].filter(where).length;
    const counted = (read: (c: EngineCounters) => number) =>
      counters.reduce((n, c) => n + read(c), 0);
    return {
      published: counters.length > 0 ? counted((c) => c.published) : resolved.size,
      accepted: accepted.size,
      dropped: dropped.size,
      stored: stored.size,
      deadLettered: dead.size,
      file: fileIds.length,
      duplicated: storedRows.length - stored.size + fileIds.length - inFile.size,
      lost: count(accepted, (id) => !stored.has(id) && !dead.has(id)),
      phantoms: [stored, dead, inFile].reduce(
        (n, ids) => n + count(ids, (id) => !accepted.has(id)),
        0,
      ),
      storedAndDeadLettered: count(stored, (id) => dead.has(id)),
      fileMissing: count(stored, (id) => !inFile.has(id)),
      fileExtra: count(inFile, (id) => !stored.has(id)),
      checks:
        counters.length > 0
          ? { acceptedAsCounted: counted((c) => c.accepted) === accepted.size }
          : {},
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
