import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RecordBuffer } from '../../src/lib/buffer/record-buffer.interface.js';
import { encodeRecord } from '../../src/lib/buffer/record-codec.js';
import { resolveRedisBufferOptions } from '../../src/lib/buffer/redis/redis-buffer-options.js';
import { RedisBuffer } from '../../src/lib/buffer/redis/redis-buffer.js';
import type { SourceReport } from '../../src/lib/buffer/source-report.interface.js';
import type { MetadataEngine } from '../../src/lib/index.js';
import { hasRedisServer, RedisServer, withRedisServer } from '../harness/redis-server.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { MemorySink } from '../support/memory-sink.js';
import { diskBuffer, idsOf, startPipeline } from '../support/pipeline.js';

/** The ids a first run left: delivered to every sink, and accepted but still pending. */
interface FirstRun {
  location: string;
  delivered: string[];
  pending: string[];
}

/** What a damage did, as the source must find it. */
interface DamageDone {
  /** Accepted ids the damage itself destroyed: the only ones allowed missing. */
  destroyed: string[];
  /** What the source counts for it. */
  counted: number;
  /** What the source's log line names (a path, a segment and byte, a stream and entry id). */
  where?: string;
  /** The damage lost the sinks' positions: records delivered before may come again, once more. */
  replays?: boolean;
}

interface Damage {
  name: string;
  /** Damages what the source keeps, between a first run and the next start. */
  apply: (run: FirstRun) => DamageDone | Promise<DamageDone>;
}

/** The disk log's files, in segment order, and the byte where a record's frame starts. */
const segments = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort()
    .map((f) => join(dir, f));
const lastSegment = (dir: string) => segments(dir).at(-1)!;
/** A frame is `[length u32][crc32 u32][payload]`, and every payload opens with the record's id. */
const frameOf = (bytes: Buffer, id: string) => bytes.indexOf(id) - 8;

const diskDamages: Damage[] = [
  {
    name: 'a ledger ahead of its log: the last segment cut short, as an OS crash leaves it',
    apply: ({ location, delivered, pending }) => {
      const last = lastSegment(location);
      truncateSync(last, frameOf(readFileSync(last), delivered[10]));
      // Both sinks' positions are past the new end; the pending records went with the tail.
      return { destroyed: pending, counted: 2, where: join(location, 'ledger.json') };
    },
  },
  {
    name: 'every segment deleted, the ledger kept',
    apply: ({ location, pending }) => {
      for (const segment of segments(location)) rmSync(segment);
      return { destroyed: pending, counted: 2, where: join(location, 'ledger.json') };
    },
  },
  {
    name: 'a flipped bit in a frame length of the last segment, whole records after it',
    apply: ({ location, pending }) => {
      const last = lastSegment(location);
      const bytes = readFileSync(last);
      const frame = frameOf(bytes, pending[10]);
      bytes[frame + 2] ^= 0x40;
      writeFileSync(last, bytes);
      return { destroyed: [pending[10]], counted: 1, where: `byte ${frame}` };
    },
  },
  {
    name: 'garbage between two records',
    apply: ({ location, pending }) => {
      const last = lastSegment(location);
      const bytes = readFileSync(last);
      const at = frameOf(bytes, pending[25]);
      writeFileSync(
        last,
        Buffer.concat([bytes.subarray(0, at), randomBytes(1 << 20), bytes.subarray(at)]),
      );
      return { destroyed: [], counted: 1, where: `byte ${at}` };
    },
  },
  {
    name: 'garbage after the last record',
    apply: ({ location }) => {
      const last = lastSegment(location);
      const bytes = readFileSync(last);
      writeFileSync(last, Buffer.concat([bytes, randomBytes(4 << 20)]));
      return { destroyed: [], counted: 1, where: `byte ${bytes.length}` };
    },
  },
  {
    name: 'a ledger that is not JSON',
    apply: ({ location }) => {
      writeFileSync(join(location, 'ledger.json'), '{"version": 1, "sinks": {');
      return { destroyed: [], counted: 1, where: join(location, 'ledger.json'), replays: true };
    },
  },
  {
    name: "a LOCK left with this process's own PID by an earlier start (a restarted container)",
    apply: ({ location }) => {
      writeFileSync(join(location, 'LOCK'), `${process.pid} 1 -\n`);
      return { destroyed: [], counted: 0, where: join(location, 'LOCK') };
    },
  },
];

// Without redis-server the Redis source is left out, saying so; under CI that fails the run.
withRedisServer();
const redis = new RedisServer();
/** The streams of a location: a prefix of their own on this suite's server. */
const streamPrefix = (location: string) => `damage:${location}:`;

/** Another program's entry, appended to topic `a`'s stream: its fields as given. */
const foreignEntry =
  (...fields: string[]): Damage['apply'] =>
  async ({ location }) => {
    const client = new Redis(redis.url);
    const id = (await client.xadd(`${streamPrefix(location)}a`, '*', ...fields))!;
    await client.quit();
    return { destroyed: [], counted: 1, where: id };
  };

/** A record's encoding with one field that no record may hold. */
const recordWith = (fields: { id?: string; publishedAt?: Date }) =>
  encodeRecord({
    id: '00000000-0000-4000-8000-000000000000',
    topic: 'a',
    name: 'n',
    location: 'l',
    context: 'c',
    data: 1,
    json: '1',
    publishedAt: new Date(),
    ...fields,
  });

const redisDamages: Damage[] = [
  { name: 'an entry whose r is not JSON', apply: foreignEntry('r', 'notjson') },
  { name: 'an entry whose r is JSON but no record', apply: foreignEntry('r', '[1,2]') },
  { name: 'an entry whose r is null', apply: foreignEntry('r', 'null') },
  { name: 'an entry whose r is an object', apply: foreignEntry('r', '{}') },
  { name: 'an entry without field r', apply: foreignEntry('other', 'x') },
  { name: 'a record whose id is no UUID', apply: foreignEntry('r', recordWith({ id: 'x-1' })) },
  {
    name: 'a record whose time no date holds',
    apply: foreignEntry('r', recordWith({ publishedAt: new Date(8.64e15) })),
  },
];

/** The durable sources, each with the damage what it keeps outside the process can take. */
const sources: {
  name: string;
  create: (location: string) => RecordBuffer;
  counted: (report: SourceReport) => number;
  damages: Damage[];
}[] = [
  {
    name: 'disk',
    create: (location) => diskBuffer(location),
    counted: (report) => report.log!.corrupt,
    damages: diskDamages,
  },
  ...(hasRedisServer
    ? [
        {
          name: 'redis',
          create: (location: string) =>
            new RedisBuffer(
              resolveRedisBufferOptions({
                type: 'redis',
                url: redis.url,
                streamPrefix: streamPrefix(location),
              }),
              'both',
            ),
          counted: (report: SourceReport) =>
            Object.values(report.foreignEntries ?? {}).reduce((a, b) => a + b, 0),
          damages: redisDamages,
        },
      ]
    : []),
];

beforeAll(async () => {
  if (hasRedisServer) await redis.start();
});

const fast = { flushIntervalMs: 10, retryInitialDelayMs: 5, retryMaxDelayMs: 20 };

function publishMany(engine: MetadataEngine<number>, n: number, tag: string) {
  return Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      engine.publish({ data: i, name: 'n', location: tag, context: 'c' }),
    ),
  );
}

/** Each id exactly once: no duplicate, none missing, none extra. */
function expectExactly(ids: string[], expected: string[]) {
  expect(ids).toHaveLength(new Set(ids).size);
  expect(new Set(ids)).toEqual(new Set(expected));
}

afterAll(async () => {
  Logger.overrideLogger(false);
  if (hasRedisServer) await redis.remove();
});

/**
 * Invariant 8 (shared/PIPELINE.md): a source is run, stopped with records
 * pending, damaged as a crash, an operator or another program leaves it, and
 * started again. It finds the damage, says where once, and counts it; only
 * what the damage destroyed is missing, and everything else, and all that is
 * published after, reaches every sink once. No loop, no exit.
 */
describe.each(sources)('record source damage contract: $name', ({ create, counted, damages }) => {
  const buffers: RecordBuffer[] = [];
  const made = (location: string) => () => {
    const buffer = create(location);
    buffers.push(buffer);
    return buffer;
  };
  const run = (location: string, store: MemorySink, file: MemorySink) =>
    startPipeline({
      topics: [{ topic: 'a' }],
      store,
      connectors: [file],
      broker: { ...fast, shutdownTimeoutMs: 50 },
      buffer: made(location),
    });

  afterAll(async () => {
    for (const buffer of buffers) await buffer.source.release();
  });

  it.each(damages)('$name', async ({ apply }) => {
    Logger.overrideLogger(false);
    const location = await mkdtemp(join(tmpdir(), 'metaqueue-damage-'));
    const store = new MemorySink('store');
    const file = new MemorySink('file');
    const first = await run(location, store, file);
    const delivered = idsOf(await publishMany(first.engine('a'), 50, 'delivered'));
    await first.broker.flush();
    store.failing = true;
    const pending = idsOf(await publishMany(first.engine('a'), 50, 'pending'));
    await first.close();

    const done = await apply({ location, delivered, pending });

    const logger = new CapturingLogger();
    Logger.overrideLogger(logger);
    const after = { store: new MemorySink('store'), file: new MemorySink('file') };
    const second = await run(location, after.store, after.file);
    const published = idsOf(await publishMany(second.engine('a'), 50, 'after'));
    await second.broker.flush();
    const said = logger.lines.filter((line) => done.where && line.includes(done.where)).length;
    // Another pass, more records: the damage is not met again, nor said again.
    const more = idsOf(await publishMany(second.engine('a'), 50, 'more'));
    await second.broker.flush();

    const destroyed = new Set(done.destroyed);
    const expected = [...pending.filter((id) => !destroyed.has(id)), ...published, ...more];
    for (const sink of [after.store, after.file]) {
      const beyondReplay = done.replays
        ? sink.ids.filter((id) => !delivered.includes(id))
        : sink.ids;
      expectExactly(beyondReplay, expected);
    }
    expect(counted(second.source.report())).toBe(done.counted);
    if (done.where) {
      expect(said).toBeGreaterThan(0);
      expect(logger.lines.filter((line) => line.includes(done.where!))).toHaveLength(said);
    }
    expect(second.source.inFlight).toBe(0);
    await second.close();
    await rm(location, { recursive: true, force: true });
  });
});
