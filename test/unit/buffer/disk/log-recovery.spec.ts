import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { segmentChunkBytes } from '../../../../src/lib/buffer/disk/log-directory.js';
import { LogDirectory } from '../../../../src/lib/buffer/disk/log-directory.js';
import { segmentHeader } from '../../../../src/lib/buffer/disk/log-format.js';
import { countRecords, recoverLog } from '../../../../src/lib/buffer/disk/log-recovery.js';
import { LogSegments } from '../../../../src/lib/buffer/disk/log-segments.js';
import { MetaqueueConfigError } from '../../../../src/lib/errors/metaqueue.errors.js';
import { CapturingLogger } from '../../../support/capturing-logger.js';
import { frameOf, logDir, segmentFile, writeSegment } from '../../../support/disk-log.js';
import { records } from '../../../support/records.js';

let dir: string;
let log: LogDirectory;
let logger: CapturingLogger;
beforeEach(() => {
  dir = logDir();
  log = new LogDirectory(dir);
  logger = new CapturingLogger();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function recover() {
  const segments = new LogSegments();
  const torn = await recoverLog(log, segments, logger);
  return { segments, torn };
}

describe('recoverLog', () => {
  it('finds nothing in an empty directory', async () => {
    const { segments, torn } = await recover();
    expect(segments.all()).toEqual([]);
    expect(torn).toBe(0);
  });

  it('enters whole segments with their sizes, and cuts nothing', async () => {
    const a = writeSegment(dir, 1, records(3).map(frameOf));
    const b = writeSegment(dir, 2, records(2).map(frameOf));
    const { segments, torn } = await recover();
    expect(segments.all()).toEqual([1, 2]);
    expect([segments.sizeOf(1), segments.sizeOf(2)]).toEqual([a.size, b.size]);
    expect(torn).toBe(0);
    expect(logger.lines).toEqual([]);
  });

  it('cuts a torn end back to the last whole frame, logs where, and counts it', async () => {
    const { offsets, size } = writeSegment(dir, 1, records(3).map(frameOf));
    writeFileSync(segmentFile(dir, 1), readFileSync(segmentFile(dir, 1)).subarray(0, size - 5));
    const { segments, torn } = await recover();
    expect(torn).toBe(1);
    expect(statSync(segmentFile(dir, 1)).size).toBe(offsets[2]);
    expect(segments.sizeOf(1)).toBe(offsets[2]);
    expect(logger.lines.join('\n')).toContain(segmentFile(dir, 1));
  });

  it('cuts garbage longer than a chunk after the last record, reading one chunk at a time', async () => {
    const { size } = writeSegment(dir, 1, [
      ...records(20_000).map(frameOf),
      randomBytes(3 * segmentChunkBytes),
    ]);
    const alloc = jest.spyOn(Buffer, 'allocUnsafe');
    try {
      const { segments, torn } = await recover();
      expect(torn).toBe(1);
      expect(segments.sizeOf(1)).toBe(size - 3 * segmentChunkBytes);
      expect(Math.max(...alloc.mock.calls.map(([bytes]) => bytes))).toBe(segmentChunkBytes);
    } finally {
      alloc.mockRestore();
    }
  });

  it('rewrites the header of a last segment torn as it was created', async () => {
    writeFileSync(segmentFile(dir, 1), segmentHeader().subarray(0, 3));
    const { segments, torn } = await recover();
    expect(torn).toBe(0);
    expect(readFileSync(segmentFile(dir, 1))).toEqual(segmentHeader());
    expect(segments.sizeOf(1)).toBe(segmentHeader().length);
  });

  it('leaves corruption followed by whole frames to the reader', async () => {
    const { offsets, size } = writeSegment(dir, 1, records(3).map(frameOf));
    const bytes = readFileSync(segmentFile(dir, 1));
    bytes[offsets[1] + 12] ^= 0xff;
    writeFileSync(segmentFile(dir, 1), bytes);
    const { segments, torn } = await recover();
    expect(torn).toBe(0);
    expect(segments.sizeOf(1)).toBe(size);
  });

  it('refuses a file that is not a segment, and a format it does not read', async () => {
    writeFileSync(segmentFile(dir, 1), 'not a log at all');
    await expect(recover()).rejects.toThrow(MetaqueueConfigError);
    await expect(recover()).rejects.toThrow('is not a metaqueue disk buffer segment');
    const header = segmentHeader();
    header.writeUInt32LE(9, 4);
    writeSegment(dir, 1, [], header);
    await expect(recover()).rejects.toThrow('is in disk buffer format 9');
  });

  it('notes a segment an earlier version left in format 1', async () => {
    const header = segmentHeader();
    header.writeUInt32LE(1, 4);
    writeSegment(dir, 1, [], header);
    writeSegment(dir, 2, []);
    const { segments } = await recover();
    expect([segments.formatOf(1), segments.isCurrentFormat(2)]).toEqual([1, true]);
  });
});

describe('countRecords', () => {
  it('counts the records from a position to the end of the log, across segments', async () => {
    const first = writeSegment(dir, 1, records(5).map(frameOf));
    writeSegment(dir, 2, records(4).map(frameOf));
    const { segments } = await recover();
    expect(await countRecords(log, segments, { segment: 1, offset: first.offsets[0] })).toBe(9);
    expect(await countRecords(log, segments, { segment: 1, offset: first.offsets[3] })).toBe(6);
    expect(await countRecords(log, segments, { segment: 2, offset: 8 })).toBe(4);
    expect(await countRecords(log, segments, { segment: 3, offset: 8 })).toBe(0);
  });

  it('counts the records after damage in a segment too, as the reader will read them', async () => {
    const { offsets } = writeSegment(dir, 1, records(10).map(frameOf));
    const bytes = readFileSync(segmentFile(dir, 1));
    // A length that now points past the segment's end, with whole records after it.
    bytes[offsets[4] + 2] ^= 0x40;
    writeFileSync(segmentFile(dir, 1), bytes);
    writeSegment(dir, 2, records(3).map(frameOf));
    const { segments } = await recover();
    expect(await countRecords(log, segments, { segment: 1, offset: 8 })).toBe(12);
  });

  it('reads a long segment in chunks: counts frames that cross a chunk', async () => {
    // Frames of about 200 KiB: some straddle the 1 MiB chunks.
    const big = records(12).map((r) => ({ ...r, json: JSON.stringify('x'.repeat(200_000)) }));
    writeSegment(dir, 1, big.map(frameOf));
    const { segments } = await recover();
    expect(await countRecords(log, segments, { segment: 1, offset: 8 })).toBe(12);
  });
});
