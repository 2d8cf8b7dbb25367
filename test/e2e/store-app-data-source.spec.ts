import { Injectable, Module, type LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken, InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import pg from 'pg';
import { DataSource, type Repository } from 'typeorm';
import {
  BrokerService,
  getEngineToken,
  MetadataEntity,
  MetadataStore,
  MetaqueueConfigError,
  MetaqueueModule,
  metaqueueEntities,
  metaqueueMigrations,
  type MetadataEngine,
} from '../../src/lib/index.js';
import { typeOrmDataSourceToken } from '../../src/lib/store/app-data-source/typeorm-data-source.token.js';
import { appDataSourceOptions } from '../support/app-data-source.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';
import { CapturingLogger } from '../support/capturing-logger.js';

/** A provider of the app's own that reads metaqueue's table through forFeature. */
@Injectable()
class MetadataReader {
  constructor(@InjectRepository(MetadataEntity) readonly repository: Repository<MetadataEntity>) {}
}

@Module({
  imports: [TypeOrmModule.forFeature(metaqueueEntities)],
  providers: [MetadataReader],
  exports: [MetadataReader],
})
class ReaderModule {}

describe(`the application's TypeORM DataSource as the store (${serverUrl ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: TestDatabase;
  beforeEach(async () => (db = await createTestDatabase({ reopen: true })));
  afterEach(() => db.drop());

  async function boot(
    store: object,
    topics = ['jobs'],
    logger: LoggerService | false = false,
  ): Promise<TestingModule> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({
          ...(await appDataSourceOptions(db.store)),
          autoLoadEntities: true,
          migrations: metaqueueMigrations,
          migrationsRun: true,
        }),
        ReaderModule,
        MetaqueueModule.forRoot({ topics, store }),
      ],
    })
      .setLogger(logger || new CapturingLogger())
      .compile();
    moduleRef.useLogger(logger);
    return moduleRef.init();
  }

  it('says at startup where the records go, as with its own store', async () => {
    const logger = new CapturingLogger();
    const moduleRef = await boot({ typeormDataSource: 'default' }, ['jobs'], logger);
    const said = logger.lines.filter((line) => line.startsWith('MetadataStore Storing metadata'));
    const database = moduleRef.get(MetadataStore).dataSource.driver.database;
    expect(said).toEqual([
      serverUrl
        ? `MetadataStore Storing metadata in the application's TypeORM DataSource (PostgreSQL at ${new URL(serverUrl).host}/${database})`
        : `MetadataStore Storing metadata in the application's TypeORM DataSource (database ${database ?? '(default database)'}, its own driver)`,
    ]);
    await moduleRef.close();
  });

  it('shares one DataSource: its migrations, its entities, its pool, COPY through its driver', async () => {
    // Counts the COPY streams node-postgres carries, and passes every query on.
    let copies = 0;
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      if ((args[0] as object | undefined)?.constructor?.name === 'CopyStreamQuery') copies++;
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as never;
    try {
      const moduleRef = await boot({ typeormDataSource: 'default' });
      const appDataSource = moduleRef.get(getDataSourceToken());
      expect(moduleRef.get(MetadataStore).dataSource).toBe(appDataSource);
      expect(appDataSource.hasMetadata(MetadataEntity)).toBe(true);

      const engine = moduleRef.get<MetadataEngine<number>>(getEngineToken('jobs'));
      for (let i = 0; i < 1_000; i++) {
        await engine.publish({ data: i, name: 'rows', location: 'l', context: 'c' });
      }
      await moduleRef.get(BrokerService).flush();
      expect(await moduleRef.get(MetadataReader).repository.count()).toBe(1_000);
      // node-postgres carries COPY on a server; PGlite's pool takes the INSERT path.
      if (serverUrl) expect(copies).toBeGreaterThan(0);
      expect(moduleRef.get(MetadataStore).copyFallbacks).toBe(0);
      await moduleRef.close();
      expect(appDataSource.isInitialized).toBe(false);
    } finally {
      pg.Client.prototype.query = query;
    }
  });

  it('takes an injected DataSource in forRootAsync, and never destroys it', async () => {
    const dataSource = await new DataSource({
      ...(await appDataSourceOptions(db.store)),
      migrations: metaqueueMigrations,
    }).initialize();
    await dataSource.runMigrations();
    const moduleRef = await Test.createTestingModule({
      imports: [
        MetaqueueModule.forRootAsync({
          topics: ['jobs'],
          useFactory: () => ({ store: { dataSource } }),
        }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    const engine = moduleRef.get<MetadataEngine<number>>(getEngineToken('jobs'));
    await engine.publish({ data: 1, name: 'rows', location: 'l', context: 'c' });
    await moduleRef.close();
    // The final flush went through it, and it is still open: the app that made it closes it.
    expect(dataSource.isInitialized).toBe(true);
    expect(await dataSource.query('SELECT count(*)::int AS n FROM metadata')).toEqual([{ n: 1 }]);
    await dataSource.destroy();
  });

  it("moves from metaqueue's own store to the app's DataSource: the migrations run again, harmlessly", async () => {
    const own = await Test.createTestingModule({
      imports: [MetaqueueModule.forRoot({ topics: ['jobs'], store: db.store })],
    }).compile();
    own.useLogger(false);
    await own.init();
    const engine = own.get<MetadataEngine<number>>(getEngineToken('jobs'));
    await engine.publish({ data: 1, name: 'before', location: 'l', context: 'c' });
    await own.close();

    const moduleRef = await boot({ typeormDataSource: 'default' });
    const moved = moduleRef.get<MetadataEngine<number>>(getEngineToken('jobs'));
    await moved.publish({ data: 2, name: 'after', location: 'l', context: 'c' });
    await moduleRef.get(BrokerService).flush();
    const names = await moduleRef
      .get<DataSource>(getDataSourceToken())
      .query<{ name: string }[]>(`SELECT name FROM metadata WHERE topic = 'jobs' ORDER BY name`);
    expect(names.map((r) => r.name)).toEqual(['after', 'before']);
    await moduleRef.close();
  });

  it('refuses a DataSource without its tables, saying which migrations to add', async () => {
    const dataSource = await new DataSource(await appDataSourceOptions(db.store)).initialize();
    const compile = Test.createTestingModule({
      imports: [
        MetaqueueModule.forRootAsync({
          topics: ['jobs'],
          useFactory: () => ({ store: { dataSource } }),
        }),
      ],
    }).compile();
    const error = await compile.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetaqueueConfigError);
    expect((error as Error).message).toMatch(/metaqueueMigrations/);
    await dataSource.destroy();
  });

  it('says to inject the DataSource when forRootAsync names one', async () => {
    const compile = Test.createTestingModule({
      imports: [
        MetaqueueModule.forRootAsync({
          topics: ['jobs'],
          useFactory: () => ({ store: { typeormDataSource: 'default' } }),
        }),
      ],
    }).compile();
    await expect(compile).rejects.toThrow(/getDataSourceToken/);
  });
});

describe('typeOrmDataSourceToken', () => {
  it.each(['default', 'analytics'])('is @nestjs/typeorm getDataSourceToken(%j)', (name) => {
    expect(typeOrmDataSourceToken(name)).toBe(getDataSourceToken(name));
  });
});
