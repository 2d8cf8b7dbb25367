import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { BrokerService, EngineRegistry, MetadataStore, TaskRunner } from '../lib/index.js';
import { AppModule } from './app.module.js';

/** The demo: runs every task once, concurrently, stores what they published, and says where. */
async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();

  const results = await app.get(TaskRunner).runAll();
  await app.get(BrokerService).flush();

  const store = app.get(MetadataStore);
  const rows: { topic: string; count: number }[] = await store.dataSource.query(
    'SELECT topic, count(*)::int AS count FROM metadata GROUP BY topic',
  );
  const stored = new Map(rows.map((row) => [row.topic, row.count]));
  console.log('metaqueue example');
  for (const result of results) console.log(`  task ${result.task}: ${result.status}`);
  for (const engine of app.get(EngineRegistry).getAll()) {
    const { published, accepted } = engine.counters;
    console.log(
      `  topic ${engine.topic}: ${published} published, ${accepted} accepted, ${stored.get(engine.topic) ?? 0} stored`,
    );
  }
  console.log(`  stored in ${store.target}, table "metadata"`);
  if (process.env.DATABASE_URL) {
    console.log(
      '  look at them: psql "$DATABASE_URL" -c \'SELECT topic, name, data FROM metadata\'',
    );
  }

  // Closing the application turns ./log.txt into a complete OpenMetrics exposition.
  await app.close();
  console.log('  and in ./log.txt, in OpenMetrics text: cat log.txt');
  if (results.some((r) => r.status === 'rejected')) process.exitCode = 1;
}

await main();
