import { jest } from '@jest/globals';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiskBufferOptions } from '../../../../src/lib/buffer/buffer-options.interface.js';
import { resolveDiskBuffer } from '../../../../src/lib/buffer/disk/disk-buffer-options.js';
import { LogDirectory } from '../../../../src/lib/buffer/disk/log-directory.js';
import { LogSegments } from '../../../../src/lib/buffer/disk/log-segments.js';
import { LogWriter } from '../../../../src/lib/buffer/disk/log-writer.js';
import { TopicQueues } from '../../../../src/lib/buffer/topic-queues.js';
import { MetaQueue } from '../../../../src/lib/queue/meta-queue.js';
import type { MetadataRecord } from '../../../../src/lib/index.js';
import { CapturingLogger } from '../../../support/capturing-logger.js';
import { idsInSegment, logDir, segmentFile } from '../../../support/disk-log.js';
import { records } from '../../../support/records.js';
import { fillDisk, mountTmpfs, onSmallDisk, unmount } from '../../../support/small-disk.js';
import { until } from '../../../support/until.js';

let dir: string;
let writer: LogWriter | undefined;
let logger: CapturingLogger;
beforeEach(() => (dir = logDir()));
afterEach(async () => {
  jest.useRealTimers();
  jest.restoreAllMocks();
  await writer?.close();
  writer = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A writer on a fresh log in `dir`, taking from one queue; `drained` says whether every sink caught up. */
async function openWriter(options: Partial<DiskBufferOptions> = {}, drained = () => true) {
  const log = new LogDirectory(dir);
  await log.open();
  const queues = new TopicQueues();
  const queue = new MetaQueue({ bufferSize: 1_000 });
  queues.add('t', queue);
  const appended: number[] = [];
  const resolved = resolveDiskBuffer({ type: 'disk', path: dir, sync: 'none', ...options });
  writer = new LogWriter(
    log,
    new LogSegments(),
    resolved,
    queues,
    (logger = new CapturingLogger()),
    drained,
    (n) => appended.push(n),
    () => undefined,
  );
  await writer.open(1, 0, 0);
  const w = writer;
  /** Queues `record` as an intake does, and waits for its write. */
  const publish = (record: MetadataRecord) => {
    expect(queue.offer(record)).toBe('accepted');
    return w.written(record);
  };
  return { writer: w, queue, appended, publish };
}

/** A spy on every file handle's datasync(), calling the real one unless told otherwise. */
async function datasyncSpy() {
  const probe = await open(join(dir, 'probe'), 'w');
  const prototype = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
  await probe.close();
  return jest.spyOn(prototype, 'datasync');
}

const segmentBytes = (segment = 1) => readFileSync(segmentFile(dir, segment));
const inLog = (record: MetadataRecord) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .some((f) => readFileSync(join(dir, f)).includes(record.id));

describe('LogWriter', () => {
  it('resolves a publish only once its bytes are in the segment file', async () => {
    const { publish } = await openWriter();
    const batch = records(20);
    // Checked inside each resolution: a writer that settled first and wrote after an await fails here.
    const seen = await Promise.all(
      batch.map((record) => publish(record).then((outcome) => [outcome, inLog(record)])),
    );
    expect(seen).toEqual(batch.map(() => ['written', true]));
  });

  it('writes the publishes of one tick in one write (group commit)', async () => {
    const { publish, appended } = await openWriter();
    await Promise.all(records(50).map(publish));
    expect(appended).toEqual([50]);
    await publish(records(1)[0]);
    expect(appended).toEqual([50, 1]);
  });

  it('stops taking when the log is full; the queue keeps the rest until room is freed', async () => {
    // maxBytes 4096, and sinks that have not caught up: room for about 50 records.
    const { writer, queue, publish } = await openWriter({ maxBytes: 4096 }, () => false);
    const outcomes: unknown[] = [];
    const batch = records(100);
    const done = batch.map((record) => publish(record).then((o) => outcomes.push(o)));
    await writer.flush();
    const written = outcomes.length;
    expect(written).toBeGreaterThan(20);
    expect(written).toBeLessThan(100);
    expect(queue.size).toBe(100 - written);
    expect(writer.bytes).toBeLessThanOrEqual(4096);
    writer.freed(writer.bytes);
    await writer.flush();
    expect(outcomes.length).toBeGreaterThan(written);
    await writer.close();
    await Promise.all(done);
    expect(outcomes.filter((o) => o === 'written').length + queue.size).toBe(100);
    expect(outcomes.filter((o) => o === 'closed')).toHaveLength(queue.size);
  });

  it('rolls to a new segment once one holds segmentBytes', async () => {
    // segmentBytes is an eighth of maxBytes: 8 KiB.
    const { writer, publish } = await openWriter({ maxBytes: 64 * 1024 });
    for (const record of records(300)) await publish(record);
    expect(writer.end.segment).toBeGreaterThan(2);
    const segments = readdirSync(dir).filter((f) => f.endsWith('.seg'));
    expect(segments).toHaveLength(writer.end.segment);
    expect(segmentBytes(1).length).toBeLessThan(8 * 1024 + 200);
    expect(segmentBytes(1).subarray(0, 4).toString()).toBe('MQLG');
  });

  it('settles a record drop-oldest pushed out as evicted, and those left at close as closed', async () => {
    const { writer } = await openWriter();
    const [evicted, left] = records(2);
    const first = writer.written(evicted);
    writer.evicted(evicted);
    expect(await first).toBe('evicted');
    // Not in a queue: never taken, so close settles it.
    const last = writer.written(left);
    await writer.close();
    expect(await last).toBe('closed');
    expect(await writer.written(records(1)[0])).toBe('closed');
  });

  describe('durability', () => {
    it("with sync 'always', the record is synced before its publish resolves", async () => {
      const datasync = await datasyncSpy();
      const { publish } = await openWriter({ sync: 'always' });
      const syncedBefore = await publish(records(1)[0]).then(() => datasync.mock.calls.length);
      expect(syncedBefore).toBe(1);
    });

    it("with sync 'interval', syncs every syncIntervalMs, only after writes", async () => {
      jest.useFakeTimers({
        doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'performance'],
      });
      const datasync = await datasyncSpy();
      const { publish } = await openWriter({ sync: 'interval', syncIntervalMs: 500 });
      await publish(records(1)[0]);
      await jest.advanceTimersByTimeAsync(499);
      expect(datasync).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(datasync).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(2_000);
      expect(datasync).toHaveBeenCalledTimes(1);
      await publish(records(1)[0]);
      await jest.advanceTimersByTimeAsync(500);
      expect(datasync).toHaveBeenCalledTimes(2);
    });
  });

  it("with sync 'always', does not resolve a publish whose fsync failed: its record is written again, once", async () => {
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'performance'],
    });
    const datasync = await datasyncSpy();
    datasync.mockRejectedValueOnce(
      Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }),
    );
    const { writer, publish } = await openWriter({ sync: 'always' });
    const [record] = records(1);
    let outcome: unknown;
    void publish(record).then((o) => (outcome = o));
    /** Lets real I/O finish while the fake clock stands still. */
    const turnUntil = async (done: () => boolean) => {
      for (let turns = 0; turns < 10_000 && !done(); turns++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await turnUntil(() => writer.failedWrites > 0);
    expect(writer.failedWrites).toBe(1);
    expect(outcome).toBeUndefined();
    expect(idsInSegment(segmentBytes())).toEqual([]);
    // The retry, after its backoff.
    await jest.advanceTimersByTimeAsync(2_000);
    await turnUntil(() => outcome !== undefined);
    expect(outcome).toBe('written');
    expect(idsInSegment(segmentBytes())).toEqual([record.id]);
  });

  onSmallDisk.describe('on a full disk', () => {
    let disk: string;
    beforeEach(() => {
      rmSync(dir, { recursive: true, force: true });
      disk = mountTmpfs('1m')!;
      dir = join(disk, 'log');
    });
    afterEach(async () => {
      await writer?.close();
      writer = undefined;
      unmount(disk);
    });

    /** Records of about 1 KiB each. */
    const large = (n: number) => records(n).map((r) => ({ ...r, context: 'c'.repeat(1_000) }));

    it('keeps the whole frames of a short write, cuts the torn one, and writes the rest once space is freed', async () => {
      // Sinks behind: nothing in the log may be emptied, only the disk's space freed.
      const { writer, publish } = await openWriter({ maxBytes: 64 * 1024 * 1024 }, () => false);
      const filler = fillDisk(disk, 100 * 1024);
      const batch = large(300);
      const resolved: string[] = [];
      const done = batch.map((r) => publish(r).then((o) => o === 'written' && resolved.push(r.id)));
      await until(() => writer.failedWrites > 0);
      await writer.flush();
      // Only whole frames in the segment, and their publishes, and no other, resolved.
      const written = idsInSegment(segmentBytes());
      expect(written.length).toBeGreaterThan(0);
      expect(written.length).toBeLessThan(batch.length);
      expect(resolved).toEqual(written);
      rmSync(filler);
      await Promise.all(done);
      expect(idsInSegment(segmentBytes())).toEqual(batch.map((r) => r.id));
      // Every failed retry counted, the cause logged once with the segment, and the recovery once.
      const full = logger.lines.filter((l) => l.includes('The disk of the disk buffer is full'));
      expect(full).toHaveLength(1);
      expect(full[0]).toContain(segmentFile(dir, 1));
      expect(writer.failedWrites).toBeGreaterThanOrEqual(1);
      expect(logger.lines.filter((l) => l.includes('writing again'))).toHaveLength(1);
    });
  });
});
