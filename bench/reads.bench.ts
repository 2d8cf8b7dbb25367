import pg from 'pg';
import {
  bootReadsApp,
  heavyRowsSql,
  heavySeriesPath,
  runningHeavyReadsSql,
  type ReadsApp,
} from '../test/harness/heavy-reads.js';
import { figure, interleave, type Figure } from './report.js';

const abandonedReads = 30;
const recordsPerFlush = 100;
const flushesPerRun = 5;

/**
 * The time to flush 100 records right after 30 clients asked for a heavy
 * chart and went away 0.5 s later, against the same flushes with no reads:
 * the reads run on their own pool and are cancelled with their clients, so
 * the flush should not notice them. Beside it, the flush while those reads
 * still run: the pool's size leaves a core to the writer.
 */
export async function flushWithAbandonedReads(
  url: string,
  scale: number,
  runs: number,
): Promise<Figure[]> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const app = await bootReadsApp({ url });
  try {
    await admin.query('TRUNCATE metadata');
    // Seconds of work for each chart over them: more than the flushes take.
    await admin.query(heavyRowsSql(Math.max(60, Math.round(600 * scale))));
    const quiet = async () => {
      for (let i = 0; i < 500; i++) {
        const { rows } = await admin.query<{ running: number }>(runningHeavyReadsSql);
        if (rows[0].running === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('reads bench: heavy reads still running 10 s after their clients left');
    };
    /** `flushWithReads` five times against five quiet flushes, interleaved. */
    const againstQuiet = (flushWithReads: (app: ReadsApp) => Promise<number>) =>
      interleave(
        runs,
        async () => {
          let ms = 0;
          for (let i = 0; i < flushesPerRun; i++) ms += await flushWithReads(app);
          await quiet();
          return ms;
        },
        async () => {
          let ms = 0;
          for (let i = 0; i < flushesPerRun; i++) ms += await timedFlush(app);
          return ms;
        },
      );
    const [whileReads, beside] = await againstQuiet(flushWhileHeavyReadsRun);
    const [withReads, withoutReads] = await againstQuiet(flushAfterAbandonedReads);
    return [
      figure(
        `flush time while ${abandonedReads} heavy reads run vs without`,
        'ms',
        whileReads,
        beside,
        { atMost: 1.5 },
      ),
      figure(
        `flush time with ${abandonedReads} abandoned heavy reads vs without`,
        'ms',
        withReads,
        withoutReads,
        { atMost: 1.5 },
      ),
    ];
  } finally {
    await app.app.close();
    await admin.query('TRUNCATE metadata');
    await admin.end();
  }
}

async function flushAfterAbandonedReads(app: ReadsApp): Promise<number> {
  const reads = await heavyReadsRunning(app);
  reads.abandon();
  const ms = await timedFlush(app);
  await reads.ended;
  return ms;
}

/** Times a flush while 30 heavy reads run (0.5 s after they were asked), then lets them go. */
async function flushWhileHeavyReadsRun(app: ReadsApp): Promise<number> {
  const reads = await heavyReadsRunning(app);
  const ms = await timedFlush(app);
  reads.abandon();
  await reads.ended;
  return ms;
}

/** 30 clients asking for a heavy chart, 0.5 s on: what lets them go, and when they have gone. */
async function heavyReadsRunning(app: ReadsApp) {
  const clients = Array.from({ length: abandonedReads }, () => new AbortController());
  const ended = Promise.all(
    clients.map((client) =>
      fetch(`${app.url}${heavySeriesPath}`, { signal: client.signal }).catch(() => undefined),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { ended, abandon: () => clients.forEach((client) => client.abort()) };
}

/** Publishes 100 records (off the clock), then times their flush. */
async function timedFlush(app: ReadsApp): Promise<number> {
  await app.publish(recordsPerFlush);
  const started = performance.now();
  await app.broker.flush();
  return performance.now() - started;
}
