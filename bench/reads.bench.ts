import { fork } from 'node:child_process';
import pg from 'pg';
import {
  bootReadsApp,
  heavyRowsSql,
  heavySeriesPath,
  runningHeavyReadsSql,
  type ReadsApp,
} from '../test/harness/heavy-reads.js';
import { figure, interleave, type Figure } from './report.js';

const heavyReads = 30;
const clientsScript = new URL('./heavy-read-clients.ts', import.meta.url);
const recordsPerFlush = 100;
const flushesPerRun = 5;

/**
 * The time of five flushes of 100 records each, started the moment 30
 * clients that asked for a heavy chart 0.5 s earlier went away, against five
 * flushes with no reads: the reads run on their own pool and are cancelled
 * with their clients, so the flushes should not notice them. Beside it, the
 * same flushes while those reads still run: the pool's size leaves a core to
 * the writer. The clients run in a process of their own, as real ones do.
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
    /** Five flushes with the reads, `abandonFirst` or not, against five with none, interleaved. */
    const againstQuiet = (abandonFirst: boolean) =>
      interleave(
        runs,
        async () => {
          const reads = await heavyReadsRunning(app);
          const gone = abandonFirst ? reads.abandon() : undefined;
          const ms = await timedFlushes(app);
          await (gone ?? reads.abandon());
          await quiet();
          return ms;
        },
        () => timedFlushes(app),
      );
    const [whileReads, beside] = await againstQuiet(false);
    const [afterAbandon, withoutReads] = await againstQuiet(true);
    return [
      figure(
        `${flushesPerRun} flushes while ${heavyReads} heavy reads run vs without`,
        'ms',
        whileReads,
        beside,
        { atMost: 1.5 },
      ),
      figure(
        `${flushesPerRun} flushes from the moment ${heavyReads} heavy reads are abandoned vs without`,
        'ms',
        afterAbandon,
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

/**
 * 30 clients asking for a heavy chart, from a process of their own, 0.5 s
 * on; `abandon()` closes their connections.
 */
async function heavyReadsRunning(app: ReadsApp): Promise<{ abandon(): Promise<void> }> {
  const clients = fork(clientsScript);
  const said = (word: string) =>
    new Promise<void>((resolve) => clients.once('message', (m) => m === word && resolve()));
  const asked = said('asked');
  clients.send({ url: `${app.url}${heavySeriesPath}`, count: heavyReads });
  await asked;
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    abandon: async () => {
      const gone = said('gone');
      clients.send('abandon');
      await gone;
      clients.kill();
    },
  };
}

/** Publishes 100 records (off the clock) and times their flush, five times. */
async function timedFlushes(app: ReadsApp): Promise<number> {
  let ms = 0;
  for (let i = 0; i < flushesPerRun; i++) {
    await app.publish(recordsPerFlush);
    const started = performance.now();
    await app.broker.flush();
    ms += performance.now() - started;
  }
  return ms;
}
