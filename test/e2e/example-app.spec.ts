import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineRegistry, TaskRunner } from '../../src/lib/index.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';

describe('example app', () => {
  // The example stores where DATABASE_URL says, else in ./.metaqueue/pglite: point both at this
  // test's own, never at the server's shared database or a developer's example store.
  const cwd = process.cwd();
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    if (serverUrl) process.env.DATABASE_URL = db.store.url;
    dir = mkdtempSync(join(tmpdir(), 'metaqueue-example-app-'));
    process.chdir(dir);
  });
  afterAll(async () => {
    process.chdir(cwd);
    if (serverUrl) process.env.DATABASE_URL = serverUrl;
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs its tasks concurrently and collects records on every topic', async () => {
    // Imported once the environment is set: the example reads it when its store module loads.
    const { AppModule } = await import('../../src/example/app.module.js');
    const { Topic } = await import('../../src/example/topics.js');
    const app = await Test.createTestingModule({
      imports: [AppModule.register({ schedules: false })],
    }).compile();
    await app.init();
    const results = await app.get(TaskRunner).runAll();
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);

    const registry = app.get(EngineRegistry);
    const imports = registry.get<number>(Topic.Imports).take();
    expect(imports.map((r) => r.name)).toEqual(
      Array.from({ length: 5 }, () => ['import_rows', 'import_duration_seconds']).flat(),
    );
    expect(
      registry
        .get<string>(Topic.Checks)
        .take()
        .map((r) => r.data),
    ).toEqual(['ok', 'ok', 'degraded']);
    const [report] = registry.get(Topic.Reports).take();
    expect(JSON.parse(report.json)).toMatchObject({ report: 'Quarterly "revenue" report' });
    await app.close();
  });
});
