import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDiskBuffer } from '../src/lib/buffer/disk/disk-buffer-options.js';
import { DiskBuffer } from '../src/lib/buffer/disk/disk-buffer.js';
import {
  encodePayload,
  maxFrameBytes,
  segmentHeader,
  writeFrame,
} from '../src/lib/buffer/disk/log-format.js';
import { figure, interleave, type Figure } from './report.js';

const MiB = 1024 * 1024;
/** The log's segments are cut at 32 MiB (maxBytes / 8), so a 64 MiB log has two. */
const maxBytes = 256 * MiB;

/**
 * Recovery of a damaged disk log against reading its files: a log of 64 MiB
 * (scaled) in two segments, the first with garbage in its middle, the last
 * ending in garbage, each an eighth of a segment. Recovery is what a start
 * waits for (headers, the garbage tail cut, what is unread counted), against
 * `readFile` of the same segments. Also prints the largest buffer recovery
 * and a replay read of every record allocated, for this log and a quarter of
 * it: with a bounded read buffer, the same.
 */
export async function diskRecovery(scale: number, runs: number): Promise<Figure[]> {
  const logBytes = Math.max(4 * MiB, Math.round(64 * MiB * scale));
  const template = buildDamagedLog(logBytes);
  const quarter = buildDamagedLog(logBytes / 4);
  const [recovery, baseline] = await interleave(
    runs,
    () => recoveryMs(template),
    () => readSegments(template),
  );
  const largest = [await largestReadBuffer(template), await largestReadBuffer(quarter)];
  console.log(
    `  largest buffer allocated by recovery and a replay read: ${mib(largest[0])} MiB for a ${mib(logBytes)} MiB log, ${mib(largest[1])} MiB for ${mib(logBytes / 4)} MiB`,
  );
  for (const dir of [template, quarter]) rmSync(dir, { recursive: true, force: true });
  const size = `${mib(logBytes)} MiB`;
  return [
    figure(`disk log recovery, ${size} with garbage vs reading ${size}`, 'ms', recovery, baseline, {
      atMost: 3,
    }),
  ];
}

const mib = (bytes: number) => (bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0);

/** A log directory: two segments of `logBytes / 2`, records around garbage. */
function buildDamagedLog(logBytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-recovery-'));
  const segmentBytes = logBytes / 2;
  const garbage = segmentBytes / 8;
  const first = recordBytes((segmentBytes - garbage) / 2);
  writeFileSync(
    join(dir, '0000000000000001.seg'),
    Buffer.concat([
      segmentHeader(),
      first,
      randomBytes(garbage),
      recordBytes(segmentBytes - garbage - first.length),
    ]),
  );
  writeFileSync(
    join(dir, '0000000000000002.seg'),
    Buffer.concat([segmentHeader(), recordBytes(segmentBytes - garbage), randomBytes(garbage)]),
  );
  return dir;
}

let published = 0;
/** Whole frames of records as the engine makes them, up to `bytes`. */
function recordBytes(bytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (;;) {
    const i = published++;
    const payload = encodePayload({
      id: randomUUID(),
      topic: 'bench',
      name: 'bench_rows',
      location: `task_${i % 1_000}`,
      context: 'disk recovery',
      data: i,
      json: String(i),
      publishedAt: new Date(),
    });
    if (at + maxFrameBytes(payload) > bytes) return buffer.subarray(0, at);
    at += writeFrame(payload, buffer, at);
  }
}

/** A disk buffer on a copy of `template`: recovery cuts the garbage tail, so each run needs its own. */
function bufferOnCopyOf(template: string) {
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-recovering-'));
  cpSync(template, join(dir, 'buffer'), { recursive: true });
  const source = new DiskBuffer(
    resolveDiskBuffer({ type: 'disk', path: join(dir, 'buffer'), maxBytes, sync: 'none' }),
  ).source;
  return {
    source,
    remove: async () => {
      source.close();
      await source.release();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** ms for a disk buffer to start on (a copy of) `template`; the copy is not timed. */
async function recoveryMs(template: string): Promise<number> {
  const { source, remove } = bufferOnCopyOf(template);
  global.gc?.();
  const started = performance.now();
  await source.start(['store']);
  const ms = performance.now() - started;
  await remove();
  return ms;
}

/** The largest buffer allocated to start on `template` and read every record out, as a replay does. */
async function largestReadBuffer(template: string): Promise<number> {
  const { source, remove } = bufferOnCopyOf(template);
  let largest = 0;
  const allocUnsafe = Buffer.allocUnsafe;
  Buffer.allocUnsafe = (size) => {
    largest = Math.max(largest, size);
    return allocUnsafe(size);
  };
  try {
    await source.start(['store']);
    const reader = source.reader(5_000);
    for (let batch = await reader.next(); batch; batch = await reader.next()) {
      source.acknowledge('store', batch);
    }
  } finally {
    Buffer.allocUnsafe = allocUnsafe;
  }
  await remove();
  return largest;
}

/** ms to read every segment of `dir` whole. */
async function readSegments(dir: string): Promise<number> {
  const started = performance.now();
  for (const name of readdirSync(dir).sort()) await readFile(join(dir, name));
  return performance.now() - started;
}
