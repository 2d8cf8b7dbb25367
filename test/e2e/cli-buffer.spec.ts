import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDiskBuffer } from '../../src/lib/buffer/disk/disk-buffer-options.js';
import { DiskBuffer } from '../../src/lib/buffer/disk/disk-buffer.js';
import type { LogSurvey } from '../../src/lib/buffer/disk/log-survey.js';
import { MetaQueue, type MetadataRecord } from '../../src/lib/index.js';
import { runCli } from '../harness/cli.js';
import { framesIn, segmentsIn } from '../support/disk-log.js';
import { records } from '../support/records.js';

/** Every file of the directory with its bytes and modification time: what "changed nothing" compares. */
const snapshot = (dir: string) =>
  readdirSync(dir)
    .sort()
    .map((name) => {
      const path = join(dir, name);
      return [name, readFileSync(path).toString('base64'), statSync(path).mtimeMs];
    });

/**
 * A disk buffer written by the real one: 60 records over several segments,
 * the sink `store` has acknowledged all of them, `file` none. Open (and so
 * locked by this process) until `release()`.
 */
async function writeBuffer(dir: string) {
  // Small segments (maxBytes / 8): the records span several.
  const buffer = new DiskBuffer(resolveDiskBuffer({ type: 'disk', path: dir, maxBytes: 8 * 1024 }));
  const intake = buffer.intake('jobs', new MetaQueue<MetadataRecord>({ bufferSize: 100 }));
  await buffer.source.start(['store', 'file']);
  for (const record of records(60, 'jobs')) await intake.offer(record, () => undefined);
  const reader = buffer.source.reader(1_000);
  for (let batch = await reader.next(); batch; batch = await reader.next()) {
    buffer.source.acknowledge('store', batch);
  }
  return async () => {
    buffer.source.close();
    await buffer.source.release();
  };
}

describe('metaqueue buffer inspect and verify', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'metaqueue-cli-buffer-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the segments and each sink, even while the buffer runs, without taking its lock or changing a byte', async () => {
    const release = await writeBuffer(dir);
    try {
      const before = snapshot(dir);
      const [json, text] = await Promise.all([
        runCli(['buffer', 'inspect', '--json', dir]),
        runCli(['buffer', 'inspect', dir]),
      ]);
      expect(snapshot(dir)).toEqual(before);

      expect([json.code, json.stderr]).toEqual([0, '']);
      const survey = JSON.parse(json.stdout) as LogSurvey;
      const segments = segmentsIn(dir);
      expect(segments.length).toBeGreaterThan(2);
      expect(survey.segments.map((s) => [s.path, s.bytes, s.damage])).toEqual(
        segments.map((path) => [path, statSync(path).size, []]),
      );
      expect(survey.segments.reduce((sum, s) => sum + s.records, 0)).toBe(60);
      expect(survey.ledger.sinks.map((s) => [s.sink, s.pending])).toEqual([
        ['store', 0],
        ['file', 60],
      ]);
      expect(survey.lock).toEqual({ path: join(dir, 'LOCK'), pid: process.pid, held: true });

      expect([text.code, text.stderr]).toEqual([0, '']);
      const lines = text.stdout.split('\n');
      expect(lines.slice(0, 3)).toEqual([
        `Disk buffer ${dir}`,
        `In use by process ${process.pid} (lock ${join(dir, 'LOCK')}): the log may change while it is read; nothing was locked or changed.`,
        `${segments.length} segments, ${survey.segments.reduce((sum, s) => sum + s.bytes, 0)} bytes, 60 whole records.`,
      ]);
      expect(lines).toContainEqual(expect.stringMatching(/^SINK +POSITION +PENDING$/));
      expect(lines).toContainEqual(expect.stringMatching(/^store +segment \d+ byte \d+ +0$/));
      expect(lines).toContainEqual(expect.stringMatching(/^file +segment 1 byte 8 +60$/));
    } finally {
      await release();
    }
  });

  it('verify passes an intact log, and fails one with a corrupt record, naming its segment and byte, without repairing either', async () => {
    await (
      await writeBuffer(dir)
    )();
    const intact = await runCli(['buffer', 'verify', dir]);
    expect([intact.code, intact.stderr]).toEqual([0, '']);
    expect(intact.stdout).toBe(
      `No process holds it.\nNo damage found in the disk buffer ${dir}.\n`,
    );

    // A payload byte of the second record of the first segment: its CRC no longer matches.
    const [first] = segmentsIn(dir);
    const bytes = readFileSync(first);
    const [, second, third] = framesIn(bytes);
    bytes[second.start + 20] ^= 0xff;
    writeFileSync(first, bytes);
    // And half a frame at the end of the last, as a crash leaves it: recovery would cut it.
    const last = segmentsIn(dir).at(-1)!;
    const lastSize = statSync(last).size;
    writeFileSync(
      last,
      Buffer.concat([readFileSync(last), bytes.subarray(second.start, second.start + 30)]),
    );
    const before = snapshot(dir);

    const damaged = await runCli(['buffer', 'verify', dir]);
    expect(snapshot(dir)).toEqual(before);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout.split('\n')).toEqual([
      'No process holds it.',
      `corrupt: ${first} at byte ${second.start}, ${third.start - second.start} bytes up to the next whole record; the reader skips them.`,
      `torn end: ${last} at byte ${lastSize}, 30 bytes of a write a crash cut short (its publish never resolved); the next start cuts them. Not damage.`,
      '',
    ]);
    expect(damaged.stderr).toBe(`metaqueue: 1 damaged place in the disk buffer ${dir}.\n`);
  });

  it('refuses a directory that does not exist, or holds no disk buffer, with exit code 2', async () => {
    const missing = join(dir, 'missing');
    const [gone, empty] = await Promise.all([
      runCli(['buffer', 'verify', missing]),
      runCli(['buffer', 'inspect', dir]),
    ]);
    expect([gone.code, gone.stderr]).toEqual([
      2,
      `metaqueue: ${missing} does not exist: give the directory of a disk buffer (buffer.path in MetaqueueModule.forRoot).\n`,
    ]);
    expect([empty.code, empty.stderr]).toEqual([
      2,
      `metaqueue: ${dir} holds no disk buffer: no segment (*.seg) and no ledger.json. Give the directory the app's buffer.path names.\n`,
    ]);
  });
});
