// The shutdown benchmark's child: queues records, says `queued`, and waits for SIGTERM.
import 'reflect-metadata';
import { writeSync } from 'node:fs';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getEngineToken, MetaqueueModule, type MetadataEngine } from '../src/lib/index.js';
import { shutdownBenchOptions } from './shutdown.bench.js';

const records = Number(process.env.BENCH_RECORDS);

@Module({
  imports: [MetaqueueModule.forRoot(shutdownBenchOptions(process.env.BENCH_URL!, records))],
})
class ShutdownModule {}

const app = await NestFactory.createApplicationContext(ShutdownModule, { logger: ['error'] });
app.enableShutdownHooks();
const engine = app.get<MetadataEngine<number>>(getEngineToken('shutdown'));
for (let i = 0; i < records; i++) {
  await engine.publish({ data: i, name: 'shutdown', location: 'child', context: 'sigterm' });
}
writeSync(1, 'queued\n');
// Keeps the process alive until the signal; Nest's hook closes the app, then exits.
setInterval(() => undefined, 60_000);
