import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { MetadataStore, MetaqueueConfigError, MetaqueueModule } from '../../src/lib/index.js';
import { pgliteDataDir } from '../../src/lib/store/data-source.factory.js';
import { createTestDatabase, serverUrl } from '../harness/test-database.js';
import { CapturingLogger } from '../support/capturing-logger.js';

describe('store connection options', () => {
  it('forRootAsync takes the connection from ConfigService', async () => {
    const db = await createTestDatabase({ reopen: true });
    const env = serverUrl
      ? { DATABASE_URL: db.store.url! }
      : { PGLITE_DIR: db.store.pglite!.dataDir! };
    const moduleRef = await Test.createTestingModule({
      imports: [
        MetaqueueModule.forRootAsync({
          topics: ['jobs'],
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => env] })],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            store: config.get('DATABASE_URL')
              ? { url: config.get<string>('DATABASE_URL') }
              : { pglite: { dataDir: config.get<string>('PGLITE_DIR') } },
          }),
        }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    expect(moduleRef.get(MetadataStore).target).toMatch(
      serverUrl ? /^PostgreSQL at / : /^embedded PGlite/,
    );
    await moduleRef.close();
    await db.drop();
  });

  it('pglite.inMemory keeps nothing on disk, and says so at startup', async () => {
    const logger = new CapturingLogger();
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), 'metaqueue-in-memory-'));
    process.chdir(dir);
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [
          MetaqueueModule.forRoot({ topics: ['jobs'], store: { pglite: { inMemory: true } } }),
        ],
      })
        .setLogger(logger)
        .compile();
      await moduleRef.init();
      expect(moduleRef.get(MetadataStore).target).toBe('embedded PGlite in memory');
      await moduleRef.close();
      expect(readdirSync(dir)).toEqual([]);
      expect(logger.lines).toContain('MetadataStore Storing metadata in embedded PGlite in memory');
      expect(
        logger.lines.filter((l) => l.includes('its records are gone when the app stops')),
      ).toHaveLength(1);
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('by default the embedded store is kept in .metaqueue/pglite under the working directory', () => {
    expect(pgliteDataDir()).toBe(resolve('.metaqueue/pglite'));
    expect(pgliteDataDir({ dataDir: 'data/db' })).toBe(resolve('data/db'));
    expect(pgliteDataDir({ inMemory: true })).toBeUndefined();
    expect(() => pgliteDataDir({ inMemory: true, dataDir: 'data/db' })).toThrow(
      MetaqueueConfigError,
    );
  });

  it('the startup log says where the embedded store is kept and how to look at it', async () => {
    const logger = new CapturingLogger();
    const dir = mkdtempSync(join(tmpdir(), 'metaqueue-log-'));
    // Parent directories that do not exist yet are created.
    const dataDir = join(dir, 'state', 'pglite');
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [MetaqueueModule.forRoot({ topics: ['jobs'], store: { pglite: { dataDir } } })],
      })
        .setLogger(logger)
        .compile();
      await moduleRef.init();
      await moduleRef.close();
      const lines = logger.lines.join('\n');
      expect(lines).toContain(`Storing metadata in embedded PGlite at ${dataDir}`);
      expect(lines).toContain(`The records stay in ${dataDir} across restarts`);
      expect(readdirSync(dataDir)).toContain('PG_VERSION');
      // The directory's lock (pglite.lock beside it) goes with the app.
      expect(readdirSync(join(dir, 'state'))).toEqual(['pglite']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never shows the password, in logs or in the startup error', async () => {
    const password = 'S3cret-pa55word';
    const logger = new CapturingLogger();
    const compile = Test.createTestingModule({
      imports: [
        MetaqueueModule.forRoot({
          topics: ['jobs'],
          // Nothing listens on port 1: every attempt fails, and is logged.
          store: {
            url: `postgres://metaqueue:${password}@127.0.0.1:1/metaqueue`,
            retryAttempts: 3,
            retryDelayMs: 10,
          },
        }),
      ],
    })
      .setLogger(logger)
      .compile();
    const error = (await compile.catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(
      logger.lines.filter((line) =>
        line.includes('Cannot connect to PostgreSQL at 127.0.0.1:1/metaqueue'),
      ),
    ).toHaveLength(2);
    const everything = [...logger.lines, error.message, String(error.stack)].join('\n');
    expect(everything).not.toContain(password);
  });

  it('never shows the password of a url that cannot be parsed, and says how to fix it', async () => {
    // An unescaped '#' ends the URL's authority: new URL() refuses it, keeping the input.
    const password = 'S3cret#pa55word';
    const logger = new CapturingLogger();
    const compile = Test.createTestingModule({
      imports: [
        MetaqueueModule.forRoot({
          topics: ['jobs'],
          store: { url: `postgres://metaqueue:${password}@127.0.0.1:5432/metaqueue` },
        }),
      ],
    })
      .setLogger(logger)
      .compile();
    const error = (await compile.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(MetaqueueConfigError);
    expect(error.message).toMatch(/# as %23/);
    const everything = [...logger.lines, inspect(error), String(error.stack)].join('\n');
    expect(everything).not.toContain('pa55word');
  });

  // The warning for a store in memory: 'pglite.inMemory keeps nothing on disk' above.
  it('says at startup where records go, and does not warn when that place outlives the process', async () => {
    const db = await createTestDatabase({ reopen: true });
    const logger = new CapturingLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [MetaqueueModule.forRoot({ topics: ['jobs'], store: db.store })],
    })
      .setLogger(logger)
      .compile();
    await moduleRef.init();
    await moduleRef.close();
    expect(logger.lines.some((l) => l.startsWith('MetadataStore Storing metadata in '))).toBe(true);
    expect(logger.lines.filter((l) => l.includes('gone when the app stops'))).toEqual([]);
    await db.drop();
  });
});
