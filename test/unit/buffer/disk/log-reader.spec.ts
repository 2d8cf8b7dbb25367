import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { segmentChunkBytes } from '../../../../src/lib/buffer/disk/log-directory.js';
import { LogDirectory } from '../../../../src/lib/buffer/disk/log-directory.js';
import { LogReader } from '../../../../src/lib/buffer/disk/log-reader.js';
import { recoverLog } from '../../../../src/lib/buffer/disk/log-recovery.js';
import { LogSegments } from '../../../../src/lib/buffer/disk/log-segments.js';
import { TopicQueues } from '../../../../src/lib/buffer/topic-queues.js';
import { MetaQueue } from '../../../../src/lib/queue/meta-queue.js';
import { CapturingLogger } from '../../../support/capturing-logger.js';
import { frameOf, logDir, segmentFile, writeSegment } from '../../../support/disk-log.js';
import { records } from '../../../support/records.js';

let dir: string;
let logger: CapturingLogger;
let reader: LogReader | undefined;
beforeEach(() => {
  dir = logDir();
  logger = new CapturingLogger();
});
afterEach(async () => {
  await reader?.close();
  reader = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A reader over the log in `dir`, at its start, for an app that declares topic `t`. */
async function open() {
  const log = new LogDirectory(dir);
  const segments = new LogSegments();
  await recoverLog(log, segments, logger);
  const queues = new TopicQueues();
  queues.add('t', new MetaQueue());
  reader = new LogReader(log, segments, queues, logger);
  reader.cursor = { segment: segments.first!, offset: 8 };
  return reader;
}

const endOf = (segment: number, size: number) => ({ segment, offset: size });
const ids = (read?: { records: { id: string }[] }) => read?.records.map((r) => r.id);

describe('LogReader', () => {
  it('reads up to a batch from the cursor, with each record’s position, and moves the cursor', async () => {
    const batch = records(5);
    const { offsets, size } = writeSegment(dir, 1, batch.map(frameOf));
    const reader = await open();
    const read = await reader.read(3, endOf(1, size));
    expect(read?.records).toEqual(batch.slice(0, 3));
    expect(read?.offsets).toEqual(offsets.slice(0, 3).map((offset) => ({ segment: 1, offset })));
    expect(read?.end).toEqual({ segment: 1, offset: offsets[3] });
    expect(reader.cursor).toEqual(read?.end);
    expect(ids(await reader.read(10, endOf(1, size)))).toEqual(ids({ records: batch.slice(3) }));
    expect(await reader.read(10, endOf(1, size))).toBeUndefined();
  });

  it('stops at the end it is given, and goes on from there', async () => {
    const batch = records(4);
    const { offsets, size } = writeSegment(dir, 1, batch.map(frameOf));
    const reader = await open();
    expect(ids(await reader.read(10, { segment: 1, offset: offsets[2] }))).toEqual(
      ids({ records: batch.slice(0, 2) }),
    );
    expect(ids(await reader.read(10, endOf(1, size)))).toEqual(ids({ records: batch.slice(2) }));
  });

  it('crosses from one segment to the next', async () => {
    const batch = records(6);
    writeSegment(dir, 1, batch.slice(0, 3).map(frameOf));
    const second = writeSegment(dir, 2, batch.slice(3).map(frameOf));
    const reader = await open();
    expect(ids(await reader.read(10, endOf(2, second.size)))).toEqual(ids({ records: batch }));
    expect(reader.cursor).toEqual(endOf(2, second.size));
  });

  it('skips a corrupt frame: counts it, logs its segment and offset, and reads on', async () => {
    const batch = records(5);
    const { offsets, size } = writeSegment(dir, 1, batch.map(frameOf));
    const bytes = readFileSync(segmentFile(dir, 1));
    bytes[offsets[2] + 12] ^= 0xff;
    writeFileSync(segmentFile(dir, 1), bytes);
    const reader = await open();
    const read = await reader.read(10, endOf(1, size));
    expect(ids(read)).toEqual(ids({ records: [...batch.slice(0, 2), ...batch.slice(3)] }));
    expect(reader.corrupt).toBe(1);
    expect(logger.lines.join('\n')).toContain(segmentFile(dir, 1));
    expect(logger.lines.join('\n')).toContain(String(offsets[2]));
  });

  it('reads a frame longer than a chunk whole', async () => {
    const big = records(3).map((r) => ({ ...r, json: JSON.stringify('y'.repeat(1_500_000)) }));
    const { size } = writeSegment(dir, 1, big.map(frameOf));
    const reader = await open();
    const read = await reader.read(10, endOf(1, size));
    expect(ids(read)).toEqual(ids({ records: big }));
    expect(read?.records.every((r) => r.json.length === 1_500_002)).toBe(true);
    expect(reader.corrupt).toBe(0);
  });

  it('skips garbage longer than a chunk, reading one chunk at a time', async () => {
    const before = records(3);
    const after = records(3);
    const { offsets, size } = writeSegment(dir, 1, [
      ...before.map(frameOf),
      randomBytes(4 * segmentChunkBytes),
      ...after.map(frameOf),
    ]);
    const reader = await open();
    const alloc = jest.spyOn(Buffer, 'allocUnsafe');
    try {
      const read = await reader.read(10, endOf(1, size));
      expect(ids(read)).toEqual(ids({ records: [...before, ...after] }));
      expect(reader.corrupt).toBe(1);
      expect(logger.lines.join('\n')).toContain(String(offsets[3]));
      expect(Math.max(...alloc.mock.calls.map(([bytes]) => bytes))).toBe(segmentChunkBytes);
    } finally {
      alloc.mockRestore();
    }
  });

  it('reads records of a topic the app no longer declares, warning once', async () => {
    const old = records(3, 'gone');
    const { size } = writeSegment(dir, 1, old.map(frameOf));
    const reader = await open();
    expect(ids(await reader.read(10, endOf(1, size)))).toEqual(ids({ records: old }));
    expect(logger.lines.filter((line) => line.includes("'gone'"))).toHaveLength(1);
  });
});
