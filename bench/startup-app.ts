// The startup benchmark's child: one start in a fresh process, as a user's app
// makes it, timed from the call to ready; prints `ms=<milliseconds>`.
import 'reflect-metadata';
import { PGlite } from '@electric-sql/pglite';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import { MetaqueueModule } from '../src/lib/index.js';

const [mode, dataDir, dump] = process.argv.slice(2);

@Module({
  imports: [MetaqueueModule.forRoot({ topics: ['startup'], store: { pglite: { dataDir } } })],
})
class StartupModule {}

const started = performance.now();
if (mode === 'app') {
  const app = await NestFactory.createApplicationContext(StartupModule, { logger: ['error'] });
  console.log(`ms=${performance.now() - started}`);
  await app.close();
} else {
  const loadDataDir = mode === 'dump' ? new Blob([readFileSync(dump)]) : undefined;
  const db = await PGlite.create(dataDir, { loadDataDir });
  await db.query('SELECT 1');
  console.log(`ms=${performance.now() - started}`);
  await db.close();
}
