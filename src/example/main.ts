import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { EngineRegistry, TaskRunner } from '../lib/index.js';
import { AppModule } from './app.module.js';

/** The demo: runs every task once, concurrently, and prints what each topic collected. */
async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();

  const results = await app.get(TaskRunner).runAll();
  for (const result of results) {
    console.log(`task ${result.task}: ${result.status}`);
  }
  for (const engine of app.get(EngineRegistry).getAll()) {
    const records = engine.take();
    console.log(`topic ${engine.topic}: ${records.length} records`);
    for (const r of records) console.log(`  ${r.name}{location="${r.location}"} ${r.json}`);
  }
  await app.close();
  if (results.some((r) => r.status === 'rejected')) process.exitCode = 1;
}

await main();
