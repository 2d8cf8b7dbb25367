import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExpositionAssembler } from '../../../../src/lib/connectors/openmetrics/exposition-assembler.js';
import { OpenMetricsSpool } from '../../../../src/lib/connectors/openmetrics/openmetrics-spool.js';
import { CapturingLogger } from '../../../support/capturing-logger.js';
import {
  describeWithOpenMetricsTools,
  parseOpenMetrics,
} from '../../../support/openmetrics-tools.js';
import { named } from '../../../support/records.js';
import { tempDirPerTest } from '../../../support/temp-dir.js';

const dir = tempDirPerTest('assembler-spec');
let path: string;
let spool: OpenMetricsSpool;
beforeEach(async () => {
  path = join(dir(), 'log.txt');
  spool = new OpenMetricsSpool(`${path}.spool`, false, new CapturingLogger());
  await spool.start('worker-1');
});

describeWithOpenMetricsTools('ExpositionAssembler, read back by the strict parser', () => {
  it('joins a spool into a complete exposition, family by family, and removes the spool', async () => {
    const batches = [
      [...named('a', 3), ...named('b', 2)],
      [...named('b', 2), ...named('a', 1)],
    ];
    for (const batch of batches) await spool.append(batch);
    await spool.close();

    await new ExpositionAssembler(path, true).assemble(spool.dir, path);
    const samples = parseOpenMetrics(path);
    const [first, second] = batches;
    const inFamilyOrder = [
      ...first.slice(0, 3),
      second[2],
      ...first.slice(3),
      ...second.slice(0, 2),
    ];
    expect(samples.map((s) => s.labels.id)).toEqual(inFamilyOrder.map((r) => r.id));
    expect(samples.map((s) => s.type)).toEqual(inFamilyOrder.map(() => 'gauge'));
    expect(readdirSync(dir())).toEqual(['log.txt']);
  });

  it('makes an empty spool (or none at all) an empty exposition', async () => {
    await spool.close();
    const assembler = new ExpositionAssembler(path, false);
    await assembler.assemble(spool.dir, path);
    expect(parseOpenMetrics(path)).toEqual([]);
    await assembler.assemble(join(dir(), 'missing.spool'), `${path}.9`);
    expect(parseOpenMetrics(`${path}.9`)).toEqual([]);
  });

  it('rotates the live spool into the next numbered file and goes on in a new one', async () => {
    writeFileSync(`${path}.4`, '# EOF\n');
    const assembler = new ExpositionAssembler(path, false);
    await assembler.existingRotations();
    const before = named('a', 4);
    await spool.append(before);
    await assembler.rotate(spool);

    expect(parseOpenMetrics(`${path}.5`).map((s) => s.labels.id)).toEqual(before.map((r) => r.id));
    expect(existsSync(`${path}.5.spool`)).toBe(false);
    expect(spool.bytes).toBe(0);
    const after = named('a', 2);
    await spool.append(after);
    await spool.close();
    await assembler.assemble(spool.dir, path);
    expect(parseOpenMetrics(path).map((s) => s.labels.id)).toEqual(after.map((r) => r.id));
  });
});

describe('ExpositionAssembler', () => {
  it('numbers rotations after the highest an earlier run left, file or spool', async () => {
    for (const name of ['log.txt.3', 'log.txt.10', 'log.txt.x', 'log.txt.lock', 'other.txt.20']) {
      writeFileSync(join(dir(), name), '');
    }
    mkdirSync(join(dir(), 'log.txt.12.spool'));
    mkdirSync(join(dir(), 'log.txt.7.spool'));
    const assembler = new ExpositionAssembler(path, false);

    const left = await assembler.existingRotations();
    expect(left.map((r) => r.target).sort()).toEqual(
      [3, 7, 10, 12].map((n) => `${path}.${n}`).sort(),
    );
    expect(left.find((r) => r.target === `${path}.7`)?.spool).toBe(`${path}.7.spool`);
    expect(assembler.nextRotation()).toEqual({ spool: `${path}.13.spool`, target: `${path}.13` });
    expect(assembler.nextRotation().target).toBe(`${path}.14`);
  });

  it('numbers from 1 when nothing was left', async () => {
    const assembler = new ExpositionAssembler(path, false);
    expect(await assembler.existingRotations()).toEqual([]);
    expect(assembler.nextRotation().target).toBe(`${path}.1`);
  });

  it('leaves the spool whole and no temporary file when the target cannot be written', async () => {
    await spool.append(named('a', 2));
    await spool.close();
    mkdirSync(path);
    writeFileSync(join(path, 'keep'), '');

    await expect(new ExpositionAssembler(path, false).assemble(spool.dir, path)).rejects.toThrow();
    expect(readdirSync(spool.dir).sort()).toEqual(['0', 'writer']);
    expect(existsSync(`${path}.tmp`)).toBe(false);
  });
});
