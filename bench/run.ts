// npm run bench: every figure beside its baseline, measured in the same run, on
// the PostgreSQL server named by DATABASE_URL. BENCH_SCALE (default 1) shrinks
// the workloads for a smoke run.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createBenchDatabase } from './bench-database.js';
import { endToEnd } from './end-to-end.bench.js';
import { fileConnector } from './file-connector.bench.js';
import { memoryWhileStalled } from './memory.bench.js';
import { publishCost } from './publish.bench.js';
import { queueDepth } from './queue-depth.bench.js';
import { redisTransport } from './redis.bench.js';
import { shutdownTime } from './shutdown.bench.js';
import { writeResults, type Figure } from './report.js';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  console.error('npm run bench needs DATABASE_URL, a PostgreSQL server to measure against.');
  process.exit(2);
}
const scale = Number(process.env.BENCH_SCALE ?? 1);
Logger.overrideLogger(['error', 'warn']);

const db = await createBenchDatabase(serverUrl);
const figures: Figure[] = [];
try {
  // The queue first: its deep case is the most sensitive to a heap left busy by the others.
  figures.push(...queueDepth(scale));
  figures.push(...(await endToEnd(db.url, scale)));
  figures.push(...(await redisTransport(db.url, scale)));
  figures.push(...(await publishCost(db.url, scale)));
  figures.push(...(await memoryWhileStalled(db.url, scale)));
  figures.push(...(await fileConnector(scale)));
  figures.push(...(await shutdownTime(db.url, scale)));
} finally {
  await db.drop();
}
writeResults(figures);
