import { Redis } from 'ioredis';
import { MetaqueueMetrics, type RedisBufferOptions } from '../../src/lib/index.js';
import { RedisServer } from '../harness/redis-server.js';
import {
  badRecordEntries,
  foreignEntries,
  pendingIn,
  readDeadLetters,
} from '../support/foreign-entries.js';
import { acceptedIdsOf, FaultWorld, publishers } from './harness.js';
import { score } from './scorecard.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const record = (i: number, p: number, context: string) => ({
  data: i,
  name: 'load',
  location: `p${p}`,
  context,
});

/**
 * Damage a Redis stream can hold (#25): entries another program appends to a
 * topic's stream while publishers and a worker run. Each is moved to the
 * dead-letter stream and counted; every accepted record is still stored and
 * written once, and nothing stays pending.
 */
describe('damage with the Redis buffer', () => {
  let world: FaultWorld;
  let redis: RedisServer;
  let client: Redis;
  let buffer: RedisBufferOptions;
  beforeEach(async () => {
    world = await new FaultWorld().start();
    redis = await new RedisServer({ appendOnly: true }).start();
    client = new Redis(redis.url);
    buffer = { type: 'redis', url: redis.url, streamPrefix: 'damage:', claimIdleMs: 1_000 };
  });
  afterEach(async () => {
    client.disconnect();
    await world.stop();
    await redis.remove();
  });

  // Room for every publish: on main, where damage stops the worker, the publishers still finish.
  const topics = [{ topic: 'load', bufferSize: 50_000 }];

  /** Publishes under load while another program appends `shapes`, one every few ms, round and round. */
  async function scenario(name: string, shapes: { fields: string[] }[]) {
    const stream = `${buffer.streamPrefix}load`;
    const publisher = await world.boot({
      topics,
      buffer,
      broker: { role: 'publisher' },
    });
    const worker = await world.boot({
      topics,
      buffer,
      broker: { role: 'worker', flushIntervalMs: 50, maxBatchSize: 500, shutdownTimeoutMs: 5_000 },
    });
    const foreignIds: string[] = [];
    let publishing = true;
    const hostile = (async () => {
      for (let i = 0; publishing; i++) {
        foreignIds.push((await client.xadd(stream, '*', ...shapes[i % shapes.length].fields))!);
        await sleep(5);
      }
    })();
    const outcomes = await publishers(20, 500, async (p, i) => {
      if (i % 50 === 0) await sleep(10);
      return publisher.engine('load').publish(record(i, p, name));
    });
    publishing = false;
    await hostile;
    // Bounded: where damage stops the flow, the scorecard says so instead of a timeout.
    await worker.broker.flush({ timeoutMs: 15_000 }).catch(() => undefined);
    const groups = ((await client.xinfo('GROUPS', stream)) as string[][]).map((g) => g[1]);
    const pending = async () =>
      (await Promise.all(groups.map((g) => pendingIn(client, stream, g)))).reduce((a, b) => a + b);
    for (let waited = 0; waited < 10_000 && (await pending()) > 0; waited += 50) await sleep(50);
    const metrics = (await worker.app.get(MetaqueueMetrics).scrape()).body;
    const counted = new RegExp(
      `metaqueue_buffer_foreign_entries_total\\{stream="${stream}"\\} (\\d+)`,
    ).exec(metrics);
    const dead = await readDeadLetters(client, buffer.streamPrefix!);
    const deadIds = new Set(dead.map((d) => d.id));
    const checks: Record<string, boolean> = {
      everyForeignEntryMovedOnce:
        dead.length === foreignIds.length && foreignIds.every((id) => deadIds.has(id)),
      countedExactly: Number(counted?.[1]) === foreignIds.length,
      nothingPending: groups.length === 2 && (await pending()) === 0,
    };
    const tally = await world.tally(acceptedIdsOf(outcomes), [publisher.engine('load').counters]);
    checks.nothingDeadLetteredInTable = tally.deadLettered === 0;
    return score(name, tally, { checks });
  }

  it('redis-foreign-entry: another program appends entries that are no records, under load', async () => {
    expect(await scenario('redis-foreign-entry', foreignEntries)).toBe(true);
  });

  it('redis-bad-id-entry: another program appends records with a bad id or time, under load', async () => {
    expect(await scenario('redis-bad-id-entry', badRecordEntries)).toBe(true);
  });
});
