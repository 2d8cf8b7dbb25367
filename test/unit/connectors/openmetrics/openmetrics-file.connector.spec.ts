import { Logger } from '@nestjs/common';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenMetricsFileConnector } from '../../../../src/lib/index.js';
import { CapturingLogger } from '../../../support/capturing-logger.js';
import { FakeReplayGuard } from '../../../support/fake-replay-guard.js';
import { leaveCrashedSpool } from '../../../support/killed-file-connector.js';
import { sampleIdsIn } from '../../../support/openmetrics-tools.js';
import { records } from '../../../support/records.js';
import { tempDirPerTest } from '../../../support/temp-dir.js';
import { until } from '../../../support/until.js';

const dir = tempDirPerTest('connector-spec');
const ids = (...batches: { id: string }[][]) => batches.flat().map((r) => r.id);

describe('OpenMetricsFileConnector', () => {
  it('holds <path>.lock from open to close, and never releases a lock it did not take', async () => {
    const path = join(dir(), 'log.txt');
    const connector = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await connector.open();
    expect(readFileSync(`${path}.lock`, 'utf8').split(' ')[0]).toBe(String(process.pid));

    const second = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await expect(second.open()).rejects.toThrow(/log\.txt/);
    await second.close();
    expect(existsSync(`${path}.lock`)).toBe(true);

    await connector.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("takes over a lock left with this process's own PID by an earlier start (a restarted container)", async () => {
    const path = join(dir(), 'log.txt');
    // PID 1 again after a restart: the same PID, another start time.
    writeFileSync(`${path}.lock`, `${process.pid} 1 -\n`);
    const logger = new CapturingLogger();
    Logger.overrideLogger(logger);
    const connector = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await connector.open();
    Logger.overrideLogger(false);
    expect(logger.lines.filter((line) => line.includes(`${path}.lock`))).toHaveLength(1);
    await connector.write(records(1));
    await connector.close();
    expect(sampleIdsIn(path)).toHaveLength(1);
  });

  it('writes through the guard it is given, naming its writer in the spool', async () => {
    const path = join(dir(), 'log.txt');
    const guard = new FakeReplayGuard(undefined, 'worker-1');
    const connector = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await connector.open({ replayGuard: (copy) => (copy === path ? guard : fail(copy)) });
    const batch = records(3);
    await connector.write(batch);
    expect(readFileSync(join(`${path}.spool`, 'writer'), 'utf8')).toBe('worker-1');

    await connector.close();
    expect(guard.admitted).toEqual([ids(batch)]);
    expect(guard.closed).toBe(true);
    expect(sampleIdsIn(path)).toEqual(ids(batch));
    expect(readdirSync(dir())).toEqual(['log.txt']);
  });

  it('rotates once maxFileBytes are spooled; together the files hold every batch in order', async () => {
    const path = join(dir(), 'log.txt');
    const connector = new OpenMetricsFileConnector({
      samples: 'per-record',
      path,
      maxFileBytes: 1,
    });
    await connector.open();
    const batches = [records(2), records(2), records(2)];
    for (const batch of batches) await connector.write(batch);
    await connector.close();

    expect(readdirSync(dir()).sort()).toEqual(['log.txt', 'log.txt.1', 'log.txt.2']);
    const files = [`${path}.1`, `${path}.2`, path];
    expect(files.map(sampleIdsIn)).toEqual(batches.map((batch) => ids(batch)));
  });

  it('finishes a crashed spool at open, and one set aside once records flow again', async () => {
    const path = join(dir(), 'log.txt');
    // What a killed process leaves: a spool never joined into a file, and its lock.
    const lost = records(2);
    await leaveCrashedSpool(`${path}.spool`, lost);
    writeFileSync(`${path}.lock`, '999999999');

    const guard = new FakeReplayGuard();
    guard.unreachable = new Error('Redis is down');
    const connector = new OpenMetricsFileConnector({ samples: 'per-record', path });
    await connector.open({ replayGuard: () => guard });
    expect(existsSync(`${path}.1.spool`)).toBe(true);

    guard.unreachable = undefined;
    await connector.write(records(1));
    await until(() => existsSync(`${path}.1`));
    expect(sampleIdsIn(`${path}.1`)).toEqual(ids(lost));
    await connector.close();
  });

  it('in series, settles a crashed spool by the ids it holds, then joins it into merged series', async () => {
    const path = join(dir(), 'log.txt');
    // Five records of one series in one millisecond, values 0 to 4.
    const lost = records(5);
    await leaveCrashedSpool(`${path}.spool`, lost, undefined, {
      samples: 'series',
      labels: ['topic', 'location'],
    });
    writeFileSync(`${path}.lock`, '999999999');
    const guard = new FakeReplayGuard();
    const connector = new OpenMetricsFileConnector({ path, merge: 'sum' });
    await connector.open({ replayGuard: () => guard });
    await connector.close();
    expect(guard.settled.map((s) => s.ids)).toEqual([ids(lost)]);
    expect(readFileSync(`${path}.1`, 'utf8')).toBe(
      '# TYPE m gauge\nm{topic="t",location="l"} 10 0.000\n# EOF\n',
    );
    expect(connector.stats()).toEqual({ samplesMerged: 4, recordsNotWritten: 0 });
  });

  it('refuses unknown sample modes, labels and merge rules at construction', () => {
    const path = join(dir(), 'log.txt');
    expect(() => new OpenMetricsFileConnector({ path, samples: 'all' as never })).toThrow(
      /samples="all"/,
    );
    expect(() => new OpenMetricsFileConnector({ path, labels: ['data' as never] })).toThrow(
      /labels/,
    );
    expect(() => new OpenMetricsFileConnector({ path, labels: ['topic', 'topic'] })).toThrow(
      /distinct/,
    );
    expect(() => new OpenMetricsFileConnector({ path, merge: 'avg' as never })).toThrow(/last/);
  });
});

function fail(copy: string): never {
  throw new Error(`the guard was asked for ${copy}`);
}
