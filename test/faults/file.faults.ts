import { Logger } from '@nestjs/common';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  rmSync,
  statfsSync,
  writeFileSync,
  type PathLike,
} from 'node:fs';
import { join } from 'node:path';
import {
  MetaqueueConfigError,
  MetaqueueHealthIndicator,
  OpenMetricsFileConnector,
} from '../../src/lib/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { runLoadApp } from '../support/run-load-app.js';
import { mountTmpfs, onSmallDisk, unmount } from '../support/small-disk.js';
import { acceptedIdsOf, FaultWorld, healthWhenDown, publishers, sleep, until } from './harness.js';
import { score } from './scorecard.js';

const fileSink = (path: string) => `OpenMetricsFileConnector(${path})`;

/** Fills a disk to the last byte it gives. */
function fill(disk: PathLike & string): void {
  const { bavail, bsize } = statfsSync(disk);
  writeFileSync(join(disk, 'filler'), Buffer.alloc(bavail * bsize));
}

describe('file faults', () => {
  let world: FaultWorld;
  let logger: CapturingLogger;
  beforeEach(async () => {
    world = await new FaultWorld().start();
    logger = new CapturingLogger();
  });
  afterEach(async () => {
    Logger.overrideLogger(false);
    await world.stop();
  });

  /** An app writing log.txt in `dir`, publishing about 4,000 records over a second or two. */
  const run = async (dir = world.dir) => {
    const booted = await world.boot({
      topics: ['jobs'],
      fileDir: dir,
      broker: { flushIntervalMs: 20, maxBatchSize: 200 },
    });
    // The apps' loggers are off; this one hears the library's own log lines from now on.
    Logger.overrideLogger(logger);
    const publishing = publishers(10, 400, async (p, i) => {
      if (i % 20 === 0) await sleep(40);
      return booted
        .engine('jobs')
        .publish({ data: i, name: 'file_fault', location: `p${p}`, context: 'c' });
    });
    const sink = () => booted.broker.counters.sinks[fileSink(join(dir, 'log.txt'))];
    return { ...booted, publishing, sink };
  };

  onSmallDisk.it("the file's disk fills up mid-run, then has room again", async () => {
    const disk = mountTmpfs('4m')!;
    world.cleanups.push(() => unmount(disk));
    const { app, broker, publishing, sink } = await run(disk);
    await until(() => sink().written >= 500);
    fill(disk);
    await until(() => sink().failedWrites >= 3);
    const down = await healthWhenDown(app.get(MetaqueueHealthIndicator));
    rmSync(join(disk, 'filler'));
    const outcomes = await publishing;
    await broker.flush();
    const { dropped, deadLettered } = sink();
    const tally = await world.tally(acceptedIdsOf(outcomes));
    const checks = {
      healthSaysDiskFull: down.status === 'down' && /ENOSPC/.test(down.message ?? ''),
      noneDroppedOrRefused: dropped === 0 && deadLettered === 0,
    };
    expect(score('file-disk-full', tally, { checks })).toBe(true);
  });

  it("the file's directory loses its write permission mid-run, then gets it back", async () => {
    // As root nothing is denied: the app runs as nobody, in a directory of its own.
    const nobody = 65534;
    chownSync(world.dir, nobody, nobody);
    const path = join(world.dir, 'log.txt');
    const { report, resolvedIds } = await runLoadApp({
      store: { url: world.db.store.url },
      dir: world.dir,
      file: path,
      uid: nobody,
      signal: 'SIGTERM',
      broker: { retryMaxDelayMs: 200, maxConnectorBacklog: 10_000_000 },
      beforeSignal: async () => {
        const spool = `${path}.spool`;
        chmodSync(spool, 0o000);
        await sleep(800);
        chmodSync(spool, 0o755);
        await sleep(800);
      },
    });
    const file = report?.sinks[fileSink(path)];
    const tally = await world.tally(resolvedIds, report ? [report] : []);
    const checks = {
      reported: report !== undefined,
      deniedThenRetried: (file?.failedWrites ?? 0) > 0,
      noneDroppedOrRefused: file?.dropped === 0 && file.deadLettered === 0,
    };
    expect(score('file-permission-lost', tally, { checks })).toBe(true);
  });

  it('the live spool is deleted mid-run: what went with it is logged, the rest reaches the file', async () => {
    const { broker, publishing, sink } = await run();
    await until(() => sink().written >= 1_000);
    rmSync(join(world.dir, 'log.txt.spool'), { recursive: true });
    const outcomes = await publishing;
    await broker.flush();
    const line = logger.lines.find((l) => l.includes('was deleted while in use'));
    const gone = Number(/the (\d+) records/.exec(line ?? '')?.[1] ?? -1);
    const tally = await world.tally(acceptedIdsOf(outcomes));
    const checks = {
      logged: gone >= 1_000,
      fileMissesExactlyWhatWasLogged: tally.fileMissing === gone,
    };
    expect(score('file-spool-deleted', tally, { checks, allowedFileMissing: gone })).toBe(true);
  });

  it('log.txt is replaced by a directory mid-run: shutdown says so, the next start writes it all', async () => {
    const { publishing } = await run();
    const path = join(world.dir, 'log.txt');
    mkdirSync(path);
    const outcomes = await publishing;
    await world.closeApps();
    const closeError = logger.lines.find((l) =>
      l.includes('Could not finish the OpenMetrics file'),
    );
    rmSync(path, { recursive: true });
    const next = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await next.open();
    await next.close();
    const tally = await world.tally(acceptedIdsOf(outcomes));
    const checks = {
      shutdownSaidWhereTheRecordsAre: closeError?.includes(`kept in ${path}.spool`) ?? false,
    };
    expect(score('file-replaced-by-directory', tally, { checks })).toBe(true);
  });

  it('two apps configured with the same log.txt: the second fails to start, the first keeps its file', async () => {
    const first = await run();
    const second = await world
      .boot({ topics: ['jobs'], file: 'log.txt' })
      .catch((error: unknown) => error);
    const outcomes = await first.publishing;
    await first.broker.flush();
    const tally = await world.tally(acceptedIdsOf(outcomes));
    const checks = {
      secondRefused:
        second instanceof MetaqueueConfigError &&
        second.message.includes(`already written by process ${process.pid}`),
    };
    expect(score('file-two-apps-one-path', tally, { checks })).toBe(true);
  });
});
