import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { inspect } from 'node:util';
import { MetadataStore, MetaqueueConfigError, MetaqueueModule } from '../../src/lib/index.js';
import { createTestDatabase, serverUrl } from '../support/test-database.js';
import { CapturingLogger } from '../support/capturing-logger.js';

describe('store connection options', () => {
  it('forRootAsync takes the connection from ConfigService', async () => {
    const db = await createTestDatabase();
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

  it('says at startup where records go, and warns when that place dies with the process', async () => {
    const db = await createTestDatabase();
    const startup = async (store: object) => {
      const logger = new CapturingLogger();
      const moduleRef = await Test.createTestingModule({
        imports: [MetaqueueModule.forRoot({ topics: ['jobs'], store })],
      })
        .setLogger(logger)
        .compile();
      await moduleRef.init();
      await moduleRef.close();
      return logger.lines;
    };
    const inMemory = await startup({});
    expect(inMemory).toContain('MetadataStore Storing metadata in embedded PGlite (in memory)');
    expect(inMemory.filter((l) => l.includes('gone when the process exits'))).toHaveLength(1);
    const kept = await startup(db.store);
    expect(kept.some((l) => l.startsWith('MetadataStore Storing metadata in '))).toBe(true);
    expect(kept.filter((l) => l.includes('gone when the process exits'))).toEqual([]);
    await db.drop();
  });
});
