import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/example/app.module.js';
import { Topic } from '../../src/example/topics.js';
import { EngineRegistry, TaskRunner } from '../../src/lib/index.js';

describe('example app', () => {
  it('runs its tasks concurrently and collects records on every topic', async () => {
    const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
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
