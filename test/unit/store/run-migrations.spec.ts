import type { DataSource } from 'typeorm';
import { metaqueueMigrations } from '../../../src/lib/index.js';
import { createDataSource } from '../../../src/lib/store/data-source.factory.js';
import { runPendingMigrations } from '../../../src/lib/store/run-migrations.js';
import { createTestDatabase, type TestDatabase } from '../../harness/test-database.js';
import { describeOnServer } from '../../support/describe-on-server.js';

describeOnServer('runPendingMigrations', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.destroy()));
    await db.drop();
  });

  it('lets replicas that start together on a fresh database migrate it once, one at a time', async () => {
    for (let i = 0; i < 4; i++) {
      // A pool of one: the lock and the migrations share the connection.
      const { dataSource } = await createDataSource({ ...db.store, poolSize: 1 });
      sources.push(await dataSource.initialize());
    }
    await Promise.all(sources.map((s) => runPendingMigrations(s)));
    const ran = await db.query<{ name: string }>('SELECT name FROM metadata_migrations');
    expect(ran.map((r) => r.name).sort()).toEqual(metaqueueMigrations.map((m) => m.name).sort());
    const [{ relkind }] = await db.query<{ relkind: string }>(
      `SELECT relkind FROM pg_class WHERE oid = to_regclass('metadata')`,
    );
    expect(relkind).toBe('p');
  });
});
