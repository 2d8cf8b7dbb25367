// npm run bench: every figure beside its baseline, measured in the same run,
// interleaved with it and repeated (BENCH_RUNS, default 3): the median and the
// spread of the ratios. The server is the one DATABASE_URL names; "PGlite"
// figures are the embedded default. BENCH_SCALE (default 1) shrinks the
// workloads for a smoke run.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createTestDatabase, serverUrl } from '../test/harness/test-database.js';
import { diskBuffer } from './disk-buffer.bench.js';
import { diskRecovery } from './disk-recovery.bench.js';
import { endToEndFigures } from './end-to-end.bench.js';
import { fileConnector, fileJoinStall, fileSeries } from './file-connector.bench.js';
import { hostLatency } from './host-latency.bench.js';
import { mainThreadFigures } from './main-thread.bench.js';
import { memoryWhileStalled } from './memory.bench.js';
import { partitionFigures } from './partitions.bench.js';
import { publishCost } from './publish.bench.js';
import { queueDepth } from './queue-depth.bench.js';
import { flushWithAbandonedReads } from './reads.bench.js';
import { rssFigures } from './rss.bench.js';
import { redisTransport } from './redis.bench.js';
import { shutdownTime } from './shutdown.bench.js';
import { startupFigures } from './startup.bench.js';
import { claimCost } from './tasks.bench.js';
import { writeResults, type Figure } from './report.js';

if (!serverUrl) {
  console.error('npm run bench needs DATABASE_URL, a PostgreSQL server to measure against.');
  process.exit(2);
}
const scale = Number(process.env.BENCH_SCALE ?? 1);
const runs = Number(process.env.BENCH_RUNS ?? 3);
// BENCH_ONLY=startup,rss runs only those groups.
const only = process.env.BENCH_ONLY?.split(',');
const wanted = (group: string) => !only || only.includes(group);
Logger.overrideLogger(['error', 'warn']);

const db = await createTestDatabase();
const url = db.store.url!;
const figures: Figure[] = [];
try {
  // The queue first: its deep case is the most sensitive to a heap left busy by the others.
  if (wanted('queue')) figures.push(...(await queueDepth(scale, runs)));
  if (wanted('end-to-end')) figures.push(...(await endToEndFigures(url, scale, runs)));
  if (wanted('host-latency')) figures.push(...(await hostLatency(url, scale, runs)));
  if (wanted('main-thread')) figures.push(...(await mainThreadFigures(url, scale, runs)));
  if (wanted('startup')) figures.push(...(await startupFigures(runs)));
  if (wanted('publish')) figures.push(...(await publishCost(url, scale, runs)));
  if (wanted('memory')) figures.push(...(await memoryWhileStalled(url, scale, runs)));
  if (wanted('file')) {
    figures.push(...(await fileConnector(scale, runs)), ...(await fileJoinStall(scale, runs)));
  }
  if (wanted('file-series')) figures.push(...(await fileSeries(scale)));
  if (wanted('rss')) figures.push(...(await rssFigures(url, scale, runs)));
  if (wanted('shutdown')) figures.push(...(await shutdownTime(url, scale, runs)));
  if (wanted('disk-buffer')) figures.push(...(await diskBuffer(url, scale)));
  if (wanted('disk-recovery')) figures.push(...(await diskRecovery(scale, runs)));
  if (wanted('redis')) figures.push(...(await redisTransport(url, scale)));
  if (wanted('reads')) figures.push(...(await flushWithAbandonedReads(url, scale, runs)));
  if (wanted('partitions')) figures.push(...(await partitionFigures(scale, runs)));
  if (wanted('tasks')) figures.push(...(await claimCost(url, scale, runs)));
} finally {
  await db.drop();
}
writeResults(figures);
