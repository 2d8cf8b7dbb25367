import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReplayGuard } from '../../../../src/lib/buffer/replay-guard.interface.js';
import { CrashedSpoolRecovery } from '../../../../src/lib/connectors/openmetrics/crashed-spool-recovery.js';
import { ExpositionAssembler } from '../../../../src/lib/connectors/openmetrics/exposition-assembler.js';
import type { MetadataRecord } from '../../../../src/lib/index.js';
import { CapturingLogger } from '../../../support/capturing-logger.js';
import { leaveCrashedSpool } from '../../../support/killed-file-connector.js';
import { FakeReplayGuard } from '../../../support/fake-replay-guard.js';
import { sampleIdsIn } from '../../../support/openmetrics-tools.js';
import { named } from '../../../support/records.js';
import { tempDirPerTest } from '../../../support/temp-dir.js';

const dir = tempDirPerTest('recovery-spec');
let path: string;
let logger: CapturingLogger;
beforeEach(() => {
  path = join(dir(), 'log.txt');
  logger = new CapturingLogger();
});

const ids = (batch: readonly MetadataRecord[]) => batch.map((r) => r.id);

const recovery = (guard: ReplayGuard) =>
  new CrashedSpoolRecovery(
    path,
    `${path}.spool`,
    guard,
    new ExpositionAssembler(path, false),
    logger,
  );

describe('CrashedSpoolRecovery', () => {
  it('cuts torn lines, settles the ids with the guard and finishes the spool with what it keeps', async () => {
    const a = named('a', 4);
    const b = named('b', 2);
    await leaveCrashedSpool(`${path}.spool`, [...a, ...b], 'worker-1');
    // Killed mid-append: a line half written.
    appendFileSync(join(`${path}.spool`, '0'), 'a{id="torn-id",topic="t",loc');
    const dropped = new Set([a[1].id, ...ids(b)]);
    const guard = new FakeReplayGuard((id) => !dropped.has(id));

    await recovery(guard).recover();
    expect(guard.settled).toEqual([{ ids: ids([...a, ...b]), writer: 'worker-1' }]);
    const text = readFileSync(`${path}.1`, 'utf8');
    expect(sampleIdsIn(`${path}.1`)).toEqual(ids([a[0], a[2], a[3]]));
    expect(text).not.toContain('torn-id');
    // Family b kept nothing: its TYPE line went with it.
    expect(text.match(/^# .*$/gm)).toEqual(['# TYPE a gauge', '# EOF']);
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(readdirSync(dir())).toEqual(['log.txt.1']);
  });

  it('finishes a rotation a crash interrupted, keeps the old file, then the crashed live spool', async () => {
    const interrupted = named('a', 2);
    const live = named('a', 3);
    await leaveCrashedSpool(`${path}.2.spool`, interrupted);
    writeFileSync(path, '# EOF\n');
    await leaveCrashedSpool(`${path}.spool`, live);
    const guard = new FakeReplayGuard();

    await recovery(guard).recover();
    expect(guard.settled.map((s) => s.writer)).toEqual([undefined, undefined]);
    expect(sampleIdsIn(`${path}.2`)).toEqual(ids(interrupted));
    expect(readFileSync(`${path}.3`, 'utf8')).toBe('# EOF\n');
    expect(sampleIdsIn(`${path}.4`)).toEqual(ids(live));
    expect(readdirSync(dir()).sort()).toEqual(['log.txt.2', 'log.txt.3', 'log.txt.4']);
  });

  it('sets aside a spool the guard cannot settle, retries quietly, and finishes it once it can', async () => {
    const batch = named('a', 3);
    await leaveCrashedSpool(`${path}.spool`, batch, 'worker-1');
    const guard = new FakeReplayGuard();
    guard.unreachable = new Error('Redis is down');
    const recovering = recovery(guard);

    await recovering.recover();
    expect(recovering.pending).toBe(true);
    expect(readdirSync(dir())).toEqual(['log.txt.1.spool']);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(/log\.txt\.1\.spool.*cannot be settled.*Redis is down/);

    // Still down: tried again (one try however often asked), kept, and nothing more logged.
    await Promise.all([recovering.settleLeftovers(), recovering.settleLeftovers()]);
    expect(guard.settled).toHaveLength(2);
    expect(recovering.pending).toBe(true);
    expect(logger.lines).toHaveLength(1);

    guard.unreachable = undefined;
    await recovering.settleLeftovers();
    expect(recovering.pending).toBe(false);
    expect(guard.settled.at(-1)).toEqual({ ids: ids(batch), writer: 'worker-1' });
    expect(sampleIdsIn(`${path}.1`)).toEqual(ids(batch));
    expect(existsSync(`${path}.1.spool`)).toBe(false);
  });

  it('at close, tries once more and says which spools wait for the next start', async () => {
    await leaveCrashedSpool(`${path}.spool`, named('a', 1));
    const guard = new FakeReplayGuard();
    guard.unreachable = new Error('Redis is down');
    const recovering = recovery(guard);
    await recovering.recover();

    await recovering.close();
    expect(guard.settled).toHaveLength(2);
    expect(logger.lines.at(-1)).toMatch(/log\.txt\.1\.spool.*finished at the next start/);
    expect(existsSync(`${path}.1.spool`)).toBe(true);
  });
});
