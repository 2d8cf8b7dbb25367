import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { surveyLog } from '../../../../src/lib/buffer/disk/log-survey.js';
import { holderLine } from '../../../../src/lib/utils/pid-lock.js';
import { frameOf, logDir, segmentFile, writeSegment } from '../../../support/disk-log.js';
import { records } from '../../../support/records.js';

let dir: string;
beforeEach(() => (dir = logDir()));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ledger = (sinks: Record<string, [number, number]>) =>
  writeFileSync(join(dir, 'ledger.json'), JSON.stringify({ version: 1, sinks }));

/** Every file of the directory with its bytes and modification time: what "changed nothing" compares. */
const snapshot = () =>
  readdirSync(dir)
    .sort()
    .map((name) => {
      const path = join(dir, name);
      return [name, readFileSync(path).toString('base64'), statSync(path).mtimeMs];
    });

describe('surveyLog', () => {
  it("counts each segment's records, and each sink's pending records from its ledger position", async () => {
    const one = writeSegment(dir, 1, records(3).map(frameOf));
    const two = writeSegment(dir, 2, records(2).map(frameOf));
    ledger({ store: [2, two.offsets[1]], file: [1, one.offsets[1]] });
    const survey = await surveyLog(dir);
    expect(survey.segments.map((s) => [s.segment, s.bytes, s.records, s.damage])).toEqual([
      [1, one.size, 3, []],
      [2, two.size, 2, []],
    ]);
    expect(survey.ledger.sinks.map((s) => [s.sink, s.pending, s.ahead])).toEqual([
      ['store', 1, false],
      ['file', 4, false],
    ]);
    expect(survey.damage).toBe(0);
    expect(survey.lock).toBeUndefined();
  });

  it('finds a corrupt frame by segment and offset, counts the records after it, and changes nothing', async () => {
    const { offsets } = writeSegment(dir, 1, records(4).map(frameOf));
    const bytes = readFileSync(segmentFile(dir, 1));
    bytes[offsets[1] + 20] ^= 0xff; // a payload byte: the CRC no longer matches
    writeFileSync(segmentFile(dir, 1), bytes);
    // And a torn end on the last segment: half a frame after its last, as a crash leaves it.
    const last = writeSegment(dir, 2, [...records(2).map(frameOf)]);
    const torn = frameOf(records(1)[0]).subarray(0, 30);
    writeFileSync(segmentFile(dir, 2), Buffer.concat([readFileSync(segmentFile(dir, 2)), torn]));
    ledger({ store: [1, 8] });
    const before = snapshot();
    const survey = await surveyLog(dir);
    const [first, second] = survey.segments;
    expect(first.damage).toEqual([{ offset: offsets[1], bytes: offsets[2] - offsets[1] }]);
    expect(first.records).toBe(3);
    expect([second.damage, second.records]).toEqual([[], 2]);
    expect(second.tornEnd).toEqual({ offset: last.size, bytes: 30 });
    expect(survey.ledger.sinks[0].pending).toBe(5);
    expect(survey.damage).toBe(1);
    // Recovery would have cut the torn end: the survey reads only.
    expect(snapshot()).toEqual(before);
  });

  it('reports damage followed by whole frames as damage, as the reader skips it, not as a torn end', async () => {
    const { offsets, size } = writeSegment(dir, 1, records(3).map(frameOf));
    const bytes = readFileSync(segmentFile(dir, 1));
    bytes[offsets[0] + 20] ^= 0xff;
    writeFileSync(segmentFile(dir, 1), Buffer.concat([bytes, Buffer.from('torn')]));
    const [segment] = (await surveyLog(dir)).segments;
    expect(segment.damage).toEqual([
      { offset: offsets[0], bytes: offsets[1] - offsets[0] },
      { offset: size, bytes: 4 },
    ]);
    expect(segment.tornEnd).toBeUndefined();
  });

  it('counts a ledger past the end of the log, and one it cannot read, as damage', async () => {
    const { size } = writeSegment(dir, 1, records(2).map(frameOf));
    ledger({ store: [1, size + 100], file: [1, 8] });
    let survey = await surveyLog(dir);
    expect(survey.ledger.sinks.map((s) => [s.sink, s.ahead, s.pending])).toEqual([
      ['store', true, 0],
      ['file', false, 2],
    ]);
    expect(survey.damage).toBe(1);

    writeFileSync(join(dir, 'ledger.json'), '{"version":1,"sin');
    survey = await surveyLog(dir);
    expect(survey.ledger.sinks).toEqual([]);
    expect(survey.ledger.problems).toEqual([
      expect.stringContaining(`Disk buffer ledger ${join(dir, 'ledger.json')} cannot be read`),
    ]);
    expect(survey.damage).toBe(1);
  });

  it('refuses a segment that is not one, and goes on with the others', async () => {
    writeSegment(dir, 1, records(1).map(frameOf), Buffer.from('NOTALOG!'));
    writeSegment(dir, 2, records(2).map(frameOf));
    const survey = await surveyLog(dir);
    expect(survey.segments[0].refused).toContain('is not a metaqueue disk buffer segment');
    expect(survey.segments[1].records).toBe(2);
    expect(survey.damage).toBe(1);
  });

  it('names the process in the lock, live or gone, without taking it', async () => {
    writeSegment(dir, 1, []);
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, 'LOCK'), holderLine(gone));
    expect((await surveyLog(dir)).lock).toEqual({
      path: join(dir, 'LOCK'),
      pid: gone,
      held: false,
    });
    writeFileSync(join(dir, 'LOCK'), holderLine(process.pid));
    expect((await surveyLog(dir)).lock).toMatchObject({ pid: process.pid, held: true });
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(holderLine(process.pid));
  });
});
