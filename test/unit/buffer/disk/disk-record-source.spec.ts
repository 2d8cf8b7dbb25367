import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { Logger } from '@nestjs/common';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EngineRegistry,
  MetaqueueConfigError,
  OpenMetricsFileConnector,
  type MetadataRecord,
} from '../../../../src/lib/index.js';
import type { DiskBufferOptions } from '../../../../src/lib/buffer/buffer-options.interface.js';
import { encodeRecord } from '../../../../src/lib/buffer/record-codec.js';
import { MemorySink } from '../../../support/memory-sink.js';
import { KilledFileConnector } from '../../../support/killed-file-connector.js';
import { diskBuffer, startPipeline } from '../../../support/pipeline.js';
import { fillDisk, mountTmpfs, onSmallDisk, unmount } from '../../../support/small-disk.js';
import { until } from '../../../support/until.js';

beforeAll(() => {
  Logger.overrideLogger(false);
});

const fast = { flushIntervalMs: 10, retryInitialDelayMs: 5, retryMaxDelayMs: 20 };
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'metaqueue-disk-spec-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const publish = (engine: { publish(m: object): Promise<unknown> }, n: number, tag = 'x') =>
  Promise.all(
    Array.from({ length: n }, (_, i) =>
      engine.publish({ data: i, name: 'n', location: tag, context: 'c' }),
    ),
  ) as Promise<MetadataRecord[]>;

const segments = (path = dir) => readdirSync(path).filter((f) => f.endsWith('.seg'));

/** Runs a pipeline over the buffer in `dir` until `work` is done, with sinks in memory. */
async function run(
  sinks: { store?: MemorySink; connectors?: MemorySink[] },
  work: (p: Awaited<ReturnType<typeof startPipeline>>) => Promise<unknown> = async () => undefined,
  topics = [{ topic: 'a' }],
) {
  const p = await startPipeline({
    topics,
    ...sinks,
    broker: { ...fast, shutdownTimeoutMs: 50 },
    buffer: () => diskBuffer(dir),
  });
  const result = await work(p);
  await p.broker.flush({ timeoutMs: 200 }).catch(() => undefined);
  await p.close();
  return { p, result };
}

/** The disk source of a buffer over topic `a`, without a pipeline. */
function diskSource(path: string) {
  const buffer = diskBuffer(path);
  new EngineRegistry([{ topic: 'a' }], {}, buffer);
  return buffer.source;
}

/**
 * A log left by a run whose store was down: `n` records of topic `a` in it.
 * Returns their ids, and the path of the last segment, to damage.
 */
async function logOf(n: number): Promise<{ ids: string[]; last: string }> {
  const down = new MemorySink('store');
  down.failing = true;
  const { result } = await run({ store: down }, (p) => publish(p.engine('a'), n));
  return {
    ids: (result as MetadataRecord[]).map((r) => r.id),
    last: join(dir, segments().at(-1)!),
  };
}

/** A run over the damaged log: what its store got, and the corrupt records it counted. */
async function replay(): Promise<{ ids: string[]; corrupt: number | undefined }> {
  const store = new MemorySink('store');
  const { p } = await run({ store });
  return { ids: store.ids, corrupt: p.broker.counters.buffer?.corrupt };
}

describe('DiskRecordSource', () => {
  it('resolves a publish only once its record is in the log', async () => {
    await run({ store: new MemorySink('store') }, async (p) => {
      const record = await p
        .engine('a')
        .publish({ data: 1, name: 'n', location: 'l', context: 'c' });
      const log = segments()
        .map((f) => readFileSync(join(dir, f), 'latin1'))
        .join('');
      expect(log).toContain(record!.id);
    });
  });

  it.each([
    ['its last segment was cut short (an OS crash before the sync)', 'cut'],
    ['its segments were deleted and its ledger kept', 'deleted'],
  ])(
    'delivers what is published after a restart when the ledger is ahead of the log: %s',
    async (_, damage) => {
      await run({ store: new MemorySink('store') }, (p) => publish(p.engine('a'), 300));
      const [last] = segments().slice(-1);
      if (damage === 'cut')
        writeFileSync(join(dir, last), readFileSync(join(dir, last)).subarray(0, 8));
      else for (const segment of segments()) rmSync(join(dir, segment));
      const store = new MemorySink('store');
      const { p, result } = await run({ store }, (p) => publish(p.engine('a'), 300));
      expect(new Set(store.ids)).toEqual(new Set((result as MetadataRecord[]).map((r) => r.id)));
      expect(p.broker.counters.buffer?.corrupt).toBe(1);
    },
  );

  it('refuses a second user of the directory while the first holds it, and frees it at close', async () => {
    const source = diskSource(dir);
    await source.start(['store']);
    const second = diskSource(dir);
    await expect(second.start(['store'])).rejects.toThrow(MetaqueueConfigError);
    await expect(second.start(['store'])).rejects.toThrow(/in use by process \d+/);
    source.close();
    await source.release();
    const third = diskSource(dir);
    await third.start(['store']);
    await third.release();
  });

  it('says at startup when the directory cannot be used', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const source = diskSource(join(file, 'buffer'));
    await expect(source.start(['store'])).rejects.toThrow(/Cannot use the disk buffer directory/);
  });

  it('names a segment that is a directory, and says what to do', async () => {
    const segment = join(dir, '0000000000000001.seg');
    mkdirSync(segment);
    const source = diskSource(dir);
    await expect(source.start(['store'])).rejects.toThrow(
      `${segment} is not a file, where the disk buffer keeps a segment: move it out of the buffer directory`,
    );
    // The directory is free again: once the segment is moved away, a second try starts.
    rmSync(segment, { recursive: true });
    await source.start(['store']);
    await source.release();
  });

  it('refuses a log in a format it does not read, with a clear error', async () => {
    await run({ store: new MemorySink('store') }, (p) => publish(p.engine('a'), 3));
    const path = join(dir, segments()[0]);
    const bytes = readFileSync(path);
    bytes.writeUInt32LE(3, 4);
    writeFileSync(path, bytes);
    const source = diskSource(dir);
    await expect(source.start(['store'])).rejects.toThrow(
      /format 3; this metaqueue reads format 1 or 2/,
    );
  });

  it('replays a log left in format 1, and writes new records to a segment of the current format', async () => {
    // Format 1, built here as the earlier version wrote it: frames of JSON tuples, zlib's CRC.
    const old = Array.from({ length: 3 }, (_, i) => ({
      id: randomUUID(),
      topic: 'a',
      name: 'n',
      location: `l${i}`,
      context: 'c',
      data: { i, text: 'é\u0000"' },
      json: JSON.stringify({ i, text: 'é\u0000"' }),
      publishedAt: new Date(1_700_000_000_000 + i),
    }));
    const frames = old.map((record) => {
      const payload = Buffer.from(encodeRecord(record));
      const header = Buffer.alloc(8);
      header.writeUInt32LE(payload.length, 0);
      header.writeUInt32LE(zlibCrc32(payload), 4);
      return Buffer.concat([header, payload]);
    });
    const segmentHeader = Buffer.from('MQLG\x01\x00\x00\x00', 'latin1');
    writeFileSync(join(dir, '0000000000000001.seg'), Buffer.concat([segmentHeader, ...frames]));
    const store = new MemorySink('store');
    const { result } = await run({ store }, (p) => publish(p.engine('a'), 2));
    const fresh = result as MetadataRecord[];
    expect(store.ids).toEqual([...old, ...fresh].map((r) => r.id));
    expect(store.records.slice(0, 3)).toEqual(old);
    const versions = segments().map((f) => readFileSync(join(dir, f)).readUInt32LE(4));
    expect(versions.at(-1)).toBe(2);
  });

  it('replays each sink from its own position: the one behind gets only what it missed', async () => {
    const store = new MemorySink('store');
    const file = new MemorySink('file');
    file.failing = true;
    const { result } = await run({ store, connectors: [file] }, (p) => publish(p.engine('a'), 120));
    const ids = (result as MetadataRecord[]).map((r) => r.id);
    expect(store.ids).toEqual(ids);
    expect(file.ids).toHaveLength(0);
    const store2 = new MemorySink('store');
    const file2 = new MemorySink('file');
    await run({ store: store2, connectors: [file2] });
    expect(store2.ids).toHaveLength(0);
    expect(file2.ids).toEqual(ids);
    // Both caught up: a third start replays nothing, and the old segments are gone.
    const store3 = new MemorySink('store');
    const file3 = new MemorySink('file');
    await run({ store: store3, connectors: [file3] });
    expect([...store3.ids, ...file3.ids]).toHaveLength(0);
    expect(segments()).toHaveLength(1);
  });

  it('moves a sink past a batch only once it has every batch before it, whatever order it acknowledges in', async () => {
    const buffer = diskBuffer(dir);
    const engines = new EngineRegistry([{ topic: 'a' }], {}, buffer);
    const source = buffer.source;
    await source.start(['store', 'file']);
    const ids = (await publish(engines.get('a'), 20)).map((r) => r.id);
    const reader = source.reader(10);
    const first = (await reader.next())!;
    const second = (await reader.next())!;
    for (const batch of [first, second]) source.acknowledge('store', batch);
    // As a connector does that drops its oldest waiting batch while the one before is written.
    source.acknowledge('file', second);
    source.close();
    await source.release();

    const restarted = diskSource(dir);
    await restarted.start(['store', 'file']);
    const replayed = await restarted.reader(100).next();
    // The store had them all; the file is owed every one (no share of its own: the whole batch).
    expect(replayed?.records.map((r) => r.id)).toEqual(ids);
    expect(replayed?.forSink?.get('store')).toEqual([]);
    expect(replayed?.forSink?.has('file')).toBe(false);
    // Once it has the first, it has both: the next start replays nothing.
    restarted.acknowledge('store', replayed!);
    restarted.acknowledge('file', replayed!);
    restarted.close();
    await restarted.release();
    const again = diskSource(dir);
    await again.start(['store', 'file']);
    expect(await again.reader(100).next()).toBeUndefined();
    await again.release();
  });

  it('cuts a torn end at startup: every whole record is delivered, the torn one counted', async () => {
    const { ids, last } = await logOf(50);
    const bytes = readFileSync(last);
    // Cut inside the last record.
    writeFileSync(last, bytes.subarray(0, bytes.length - 20));
    expect(await replay()).toEqual({ ids: ids.slice(0, -1), corrupt: 1 });
  });

  it('tells a length that points past the end of the last segment from a torn end: skips that record only', async () => {
    const { ids, last } = await logOf(1000);
    const bytes = readFileSync(last);
    // One bit flipped in the length of record 10's frame: it now reaches past the segment's end.
    const frame = bytes.indexOf(ids[10]) - 8;
    bytes[frame + 2] ^= 0x40;
    writeFileSync(last, bytes);
    expect(await replay()).toEqual({ ids: [...ids.slice(0, 10), ...ids.slice(11)], corrupt: 1 });
  });

  it('cuts random bytes after the last record as a torn end, and delivers every record before them', async () => {
    const { ids, last } = await logOf(50);
    writeFileSync(last, Buffer.concat([readFileSync(last), randomBytes(1 << 20)]));
    expect(await replay()).toEqual({ ids, corrupt: 1 });
  });

  it('skips a corrupt record in the middle, counts it, and delivers the rest', async () => {
    const { ids, last } = await logOf(50);
    const bytes = readFileSync(last);
    const victim = bytes.indexOf(ids[25]);
    bytes[victim + 3] ^= 0xff;
    writeFileSync(last, bytes);
    expect(await replay()).toEqual({ ids: [...ids.slice(0, 25), ...ids.slice(26)], corrupt: 1 });
  });

  it('delivers records of a topic the application no longer declares', async () => {
    const down = new MemorySink('store');
    down.failing = true;
    const { result } = await run({ store: down }, (p) => publish(p.engine('old'), 5), [
      { topic: 'old' },
    ]);
    const store = new MemorySink('store');
    await run({ store }, undefined, [{ topic: 'new' }]);
    expect(store.ids).toEqual((result as MetadataRecord[]).map((r) => r.id));
  });

  it('resolves a publish that waited for room even when its record is written in the turn that made the room', async () => {
    // With room for one record, every publish but the first waits; the writer taking one
    // lets the next in, and can write it before that publish goes on to wait for the log.
    const topics = [
      { topic: 'a', bufferSize: 1, overflow: 'block' as const, blockTimeoutMs: 5_000 },
    ];
    await run(
      { store: new MemorySink('store') },
      async (p) => {
        const records = await publish(p.engine('a'), 200);
        expect(records.every((record) => record !== undefined)).toBe(true);
        expect(p.engine('a').counters.accepted).toBe(200);
      },
      topics,
    );
  });

  it('lets the event loop turn while a loop awaits one publish after another', async () => {
    await run({ store: new MemorySink('store') }, async (p) => {
      const engine = p.engine('a');
      let timerFired = false;
      setTimeout(() => (timerFired = true), 0);
      let published = 0;
      // Without a turn of the event loop now and then, the timer would wait for the whole loop.
      while (!timerFired && published < 100_000) {
        await engine.publish({ data: published++, name: 'n', location: 'l', context: 'c' });
      }
      expect(timerFired).toBe(true);
      expect(published).toBeLessThan(100_000);
    });
  });

  it('holds the backlog on disk, not in memory: while the store is down, reads stop at its window', async () => {
    const store = new MemorySink('store');
    store.failing = true;
    await run({ store }, async (p) => {
      await publish(p.engine('a'), 2_000);
      await p.broker.flush({ timeoutMs: 100 }).catch(() => undefined);
      // The store's window (storeConcurrency 2 × maxBatchSize) is in flight; the rest is on disk.
      expect(p.source.inFlight).toBeLessThanOrEqual(2 * 5_000);
      expect(p.broker.counters.buffer!.bytes).toBeGreaterThan(2_000 * 60);
    });
  });

  it.each([['once'], ['twice in a row']])(
    'never writes a record twice to the OpenMetrics file when its position was not committed (killed %s)',
    async (crashes) => {
      const path = join(dir, 'file', 'metrics.txt');
      const spoolParent = join(dir, 'file');
      rmSync(spoolParent, { recursive: true, force: true });
      mkdirSync(spoolParent);
      const bufferDir = join(dir, 'buffer');
      const boot = (File = OpenMetricsFileConnector) =>
        startPipeline({
          topics: [{ topic: 'a' }],
          store: new MemorySink('store'),
          connectors: [new File({ samples: 'per-record', path })],
          broker: fast,
          buffer: () => diskBuffer(bufferDir),
        });
      const first = await boot(KilledFileConnector);
      const ids = (await publish(first.engine('a'), 40)).map((r) => r.id);
      await first.broker.flush();
      // As if killed before the ledger took the file's last acknowledgement: its spool stays.
      await first.broker.beforeApplicationShutdown();
      const ledgerPath = join(bufferDir, 'ledger.json');
      const ledger = JSON.parse(readFileSync(ledgerPath, 'utf8')) as {
        sinks: Record<string, number[]>;
      };
      for (const sink of Object.keys(ledger.sinks))
        if (sink !== 'store') ledger.sinks[sink] = [1, 8];
      writeFileSync(ledgerPath, JSON.stringify(ledger));
      // The killed process's file lock names a process that is gone.
      const lockOfTheKilled = () =>
        writeFileSync(`${path}.lock`, String(spawnSync(process.execPath, ['-e', '']).pid));
      lockOfTheKilled();
      if (crashes === 'twice in a row') {
        // Killed again once the file was recovered, before the replay reached it.
        await new OpenMetricsFileConnector({ samples: 'per-record', path }).open();
        lockOfTheKilled();
      }
      const second = await boot();
      await second.broker.flush();
      await second.close();
      const text = readdirSync(spoolParent)
        .filter((f) => /^metrics\.txt(\.\d+)?$/.test(f))
        .map((f) => readFileSync(join(spoolParent, f), 'utf8'))
        .join('');
      const written = [...text.matchAll(/id="([^"]+)"/g)].map((m) => m[1]);
      expect(written.sort()).toEqual([...ids].sort());
    },
  );

  onSmallDisk.describe('on a full disk', () => {
    let disk: string;
    beforeEach(() => (disk = mountTmpfs('1m')!));
    afterEach(() => unmount(disk));

    /** A pipeline whose log lives on the 1 MiB disk; with maxBytes at or above it, the disk fills first. */
    const onFullDisk = (store: MemorySink, options: Partial<DiskBufferOptions> = {}) =>
      startPipeline({
        topics: [{ topic: 'a', bufferSize: 20_000 }],
        store,
        broker: { ...fast, shutdownTimeoutMs: 50 },
        buffer: () => diskBuffer(join(disk, 'buffer'), options),
      });
    /** Records of about `bytes` each, 1 KiB unless told. */
    const publishLarge = (
      engine: { publish(m: object): Promise<unknown> },
      n: number,
      tag: string,
      bytes = 1_000,
    ) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          engine.publish({
            data: { i, pad: 'd'.repeat(bytes) },
            name: 'n',
            location: tag,
            context: 'c',
          }),
        ),
      ) as Promise<MetadataRecord[]>;

    it.each([
      ['none', 'one segment larger than the disk', 64 * 1024 * 1024],
      ['interval', 'one segment larger than the disk', 64 * 1024 * 1024],
      ['always', 'one segment larger than the disk', 64 * 1024 * 1024],
      ['interval', 'segments of 128 KiB', 1024 * 1024],
    ] as const)(
      'keeps a burst larger than the free space, writes it as space frees, and shrinks the log (sync %s, %s)',
      async (sync, _, maxBytes) => {
        const store = new MemorySink('store');
        store.failing = true;
        const p = await onFullDisk(store, { sync, maxBytes });
        try {
          // 3 MiB in one tick, on a 1 MiB disk: the first part fills it, the rest waits in the queue.
          const burst = publishLarge(p.engine('a'), 3_000, 'burst');
          await until(() => p.broker.counters.buffer!.failedWrites > 0);
          store.failing = false;
          await until(() => p.engine('a').counters.accepted === 3_000);
          const accepted = await burst;
          await p.broker.flush();
          // Space freed: more goes through, and the log shrinks back to about one segment's header.
          const after = await publishLarge(p.engine('a'), 100, 'after');
          await p.broker.flush();
          const ids = [...accepted, ...after].map((r) => r.id);
          expect(store.ids).toHaveLength(ids.length);
          expect(new Set(store.ids)).toEqual(new Set(ids));
          // Every sink has it all: the log holds no more than the disk has free, and counts what its files hold.
          const log = join(disk, 'buffer');
          const onDisk = () =>
            readdirSync(log)
              .filter((f) => f.endsWith('.seg'))
              .reduce((n, f) => n + statSync(join(log, f)).size, 0);
          const free = () => statfsSync(disk).bavail * statfsSync(disk).bsize;
          await until(() => onDisk() <= free());
          expect(p.broker.counters.buffer!.bytes).toBe(onDisk());
        } finally {
          await p.close();
        }
      },
    );

    it('says where, and what to do, when the disk fills as the log opens', async () => {
      const path = join(disk, 'buffer');
      mkdirSync(path);
      // One page left: the LOCK takes it, and the first segment finds none.
      fillDisk(disk, 4096);
      const source = diskSource(path);
      await expect(source.start(['store'])).rejects.toThrow(
        new RegExp(`^Cannot open the disk buffer in ${path}: .*ENOSPC.*The disk is full`),
      );
      expect(readdirSync(path)).toEqual([]);
    });

    it('deletes a segment every sink has once the writer moved past it, though the new one has no room for a record', async () => {
      const store = new MemorySink('store');
      // maxBytes 512 KiB: segments of 64 KiB.
      const p = await onFullDisk(store, { maxBytes: 512 * 1024 });
      try {
        const first = await publishLarge(p.engine('a'), 80, 'first');
        await p.broker.flush();
        expect(segments(join(disk, 'buffer'))).toHaveLength(1);
        expect(
          statSync(join(disk, 'buffer', segments(join(disk, 'buffer'))[0])).size,
        ).toBeGreaterThan(64 * 1024);
        // One page left: the next segment's header takes it, and no record of 8 KiB fits after it.
        fillDisk(disk, 4096);
        const then = await publishLarge(p.engine('a'), 5, 'then', 8_000);
        await p.broker.flush();
        const ids = [...first, ...then].map((r) => r.id);
        expect(store.ids).toHaveLength(ids.length);
        expect(new Set(store.ids)).toEqual(new Set(ids));
      } finally {
        await p.close();
      }
    });
  });
});
