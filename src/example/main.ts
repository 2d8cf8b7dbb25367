import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { BrokerService, EngineRegistry, MetadataStore, TaskRunner } from '../lib/index.js';
import { AppModule } from './app.module.js';

/** The demo: runs every task once, concurrently, stores what they published, and says where. */
async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule.register({ schedules: false }), {
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();

  const store = app.get(MetadataStore);
  // The database's clock, as stored_at's: this run's rows apart from earlier runs'.
  const [{ started }]: { started: Date }[] = await store.dataSource.query(
    'SELECT clock_timestamp() AS started',
  );
  const results = await app.get(TaskRunner).runAll();
  await app.get(BrokerService).flush();

  const rows: { topic: string; count: number }[] = await store.dataSource.query(
    'SELECT topic, count(*)::int AS count FROM metadata WHERE stored_at >= $1 GROUP BY topic',
    [started],
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
  const [{ total }]: { total: number }[] = await store.dataSource.query(
    'SELECT count(*)::int AS total FROM metadata',
  );
  console.log(`  stored in ${store.target}, table "metadata": ${total} records in all`);
  console.log(
    process.env.DATABASE_URL
      ? '  look at them: psql "$DATABASE_URL" -c \'SELECT topic, name, data FROM metadata\''
      : '  look at them: npx metaqueue records --topic imports --limit 20 (runs add up; delete .metaqueue/ to start empty)',
  );

  // Closing the application turns ./log.txt into a complete OpenMetrics exposition.
  await app.close();
  console.log('  and in ./log.txt, in OpenMetrics text: cat log.txt');
  if (results.some((r) => r.status === 'rejected')) process.exitCode = 1;
}

await main();
