import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { segmentChunkBytes } from '../../../../src/lib/buffer/disk/log-directory.js';
import { segmentHeader } from '../../../../src/lib/buffer/disk/log-format.js';
import { SegmentScanner } from '../../../../src/lib/buffer/disk/segment-scanner.js';
import { frameOf, logDir, segmentFile, writeSegment } from '../../../support/disk-log.js';
import { records } from '../../../support/records.js';

let dir: string;
let file: FileHandle | undefined;
beforeEach(() => (dir = logDir()));
afterEach(async () => {
  await file?.close();
  file = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A scanner over segment 1 of `parts` (frames, or garbage) after a header. */
async function scan(parts: Buffer[]) {
  const { offsets, size } = writeSegment(dir, 1, parts);
  file = await open(segmentFile(dir, 1), 'r');
  return { scanner: new SegmentScanner(file, size, 2), offsets, size };
}

/** About 2.5 MiB of small frames: more than two chunks. */
const manyFrames = () => records(25_000).map(frameOf);
const bigFrame = () =>
  frameOf({ ...records(1)[0], json: JSON.stringify('x'.repeat(segmentChunkBytes * 1.5)) });

describe('SegmentScanner', () => {
  it('walks whole frames across chunks, and past a frame longer than a chunk, to the end', async () => {
    const { scanner, size } = await scan([...manyFrames(), bigFrame(), ...records(3).map(frameOf)]);
    expect(await scanner.endOfWholeFrames(segmentHeader().length)).toBe(size);
  });

  it('stops at a corrupt frame, and at one the segment ends inside', async () => {
    const frames = manyFrames();
    frames[20_000][12] ^= 0xff;
    const { scanner, offsets } = await scan(frames);
    expect(await scanner.endOfWholeFrames(8)).toBe(offsets[20_000]);
    const torn = await scan([...records(5).map(frameOf), frameOf(records(1)[0]).subarray(0, 30)]);
    expect(await torn.scanner.endOfWholeFrames(8)).toBe(torn.offsets[5]);
  });

  it('finds the next whole frame past garbage longer than a chunk, or none after it', async () => {
    const after = records(2).map(frameOf);
    const { scanner, offsets } = await scan([randomBytes(3 * segmentChunkBytes), ...after]);
    expect(await scanner.nextWholeFrame(9)).toBe(offsets[1]);
    const tail = await scan([...after, randomBytes(3 * segmentChunkBytes)]);
    expect(await tail.scanner.nextWholeFrame(tail.offsets[1] + 1)).toBeUndefined();
  });

  it('finds a frame longer than a chunk past garbage, and reads its record', async () => {
    const big = bigFrame();
    const { scanner, offsets } = await scan([randomBytes(1_000), big]);
    expect(await scanner.nextWholeFrame(9)).toBe(offsets[1]);
    const read = await scanner.readAt(offsets[1]);
    expect(read.kind === 'record' && read.record.json.length).toBe(segmentChunkBytes * 1.5 + 2);
  });

  it('reads through one chunk, however long the segment and its garbage', async () => {
    const { scanner, offsets } = await scan([
      ...manyFrames(),
      randomBytes(4 * segmentChunkBytes),
      ...records(1).map(frameOf),
    ]);
    const alloc = jest.spyOn(Buffer, 'allocUnsafe');
    try {
      const end = await scanner.endOfWholeFrames(8);
      expect(await scanner.nextWholeFrame(end + 1)).toBe(offsets.at(-1));
      expect(Math.max(0, ...alloc.mock.calls.map(([size]) => size))).toBeLessThanOrEqual(
        segmentChunkBytes,
      );
    } finally {
      alloc.mockRestore();
    }
  });
});
