import { Redis, type RedisOptions } from 'ioredis';
import { randomUUID } from 'node:crypto';
import {
  claimedRow,
  finishedRow,
  type RunOutcome,
  type TaskRunRow,
  type TickClaims,
  type TickRequest,
} from './task-run-row.interface.js';

// KEYS: the tick, the task's index of ticks, the task's running marker.
// ARGV: the row if it runs, the row if it overlaps, the tick's time, the retention,
// '1' to check the fleet for a run under way, '1' if one runs here, maxRuntimeMs.
const claimScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local overlapping = ARGV[6] == '1' or (ARGV[5] == '1' and redis.call('EXISTS', KEYS[3]) == 1)
local row = ARGV[1]
if overlapping then row = ARGV[2] end
redis.call('SET', KEYS[1], row, 'PX', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[4]))
if not overlapping then redis.call('SET', KEYS[3], KEYS[1], 'PX', ARGV[7]) end
return row`;

// Replaces a tick's row if it is still the one the caller read; clears the running marker.
const settleScript = `
local current = redis.call('GET', KEYS[1])
if not current or (ARGV[1] ~= '' and current ~= ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
if redis.call('GET', KEYS[2]) == KEYS[1] then redis.call('DEL', KEYS[2]) end
return 1`;

// Moves a running tick's expiry, and its running marker's with it.
const renewScript = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local row = cjson.decode(current)
if row.status ~= 'running' then return 0 end
row.expiresAt = ARGV[1]
redis.call('SET', KEYS[1], cjson.encode(row), 'KEEPTTL')
if redis.call('GET', KEYS[2]) == KEYS[1] then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1`;

interface RedisTickClient extends Redis {
  metaqueueRenewTick(
    tick: string,
    running: string,
    expiresAt: string,
    ttlMs: string,
  ): Promise<number>;
  metaqueueClaimTick(
    tick: string,
    index: string,
    running: string,
    ...args: string[]
  ): Promise<string | null>;
  metaqueueSettleTick(
    tick: string,
    running: string,
    expected: string,
    row: string,
  ): Promise<number>;
}

/**
 * Ticks claimed in the Redis of the fleet's buffer: one key per tick (task and
 * scheduled time), set if absent, each holding its run's row as JSON, and
 * an index of the task's ticks. Rows are kept `retentionMs`.
 */
export class RedisTickClaims implements TickClaims {
  readonly kind = 'redis';
  private readonly client: RedisTickClient;

  constructor(
    url: string,
    connection: RedisOptions | undefined,
    private readonly prefix: string,
    private readonly retentionMs = 24 * 60 * 60 * 1000,
  ) {
    // Lazy: an app without scheduled tasks never connects.
    this.client = new Redis(url, { ...connection, lazyConnect: true }) as RedisTickClient;
    this.client.defineCommand('metaqueueClaimTick', { numberOfKeys: 3, lua: claimScript });
    this.client.defineCommand('metaqueueSettleTick', { numberOfKeys: 2, lua: settleScript });
    this.client.defineCommand('metaqueueRenewTick', { numberOfKeys: 2, lua: renewScript });
    // Errors reach the callers, which log them; ioredis reconnects by itself.
    this.client.on('error', () => undefined);
  }

  async claim(tick: TickRequest): Promise<TaskRunRow | undefined> {
    const id = randomUUID();
    const reply = await this.client.metaqueueClaimTick(
      this.tickKey(tick.task, tick.scheduledAt),
      this.indexKey(tick.task),
      this.runningKey(tick.task),
      encode(claimedRow(tick, id, false)),
      encode(claimedRow(tick, id, true)),
      String(tick.scheduledAt.getTime()),
      String(Math.max(this.retentionMs, tick.maxRuntimeMs * 2)),
      tick.overlap ? '0' : '1',
      !tick.overlap && tick.runningHere ? '1' : '0',
      String(tick.maxRuntimeMs),
    );
    return reply === null ? undefined : decode(reply);
  }

  async renew(run: TaskRunRow, expiresAt: Date): Promise<void> {
    await this.client.metaqueueRenewTick(
      this.tickKey(run.task, run.scheduledAt),
      this.runningKey(run.task),
      expiresAt.toISOString(),
      String(Math.max(1, expiresAt.getTime() - Date.now())),
    );
  }

  async finish(run: TaskRunRow, outcome: RunOutcome): Promise<void> {
    await this.client.metaqueueSettleTick(
      this.tickKey(run.task, run.scheduledAt),
      this.runningKey(run.task),
      '',
      encode(finishedRow(run, outcome)),
    );
  }

  async expire(tasks: readonly string[], now: Date): Promise<TaskRunRow[]> {
    const lost: TaskRunRow[] = [];
    for (const task of tasks) {
      const keys = await this.client.zrangebyscore(
        this.indexKey(task),
        now.getTime() - this.retentionMs,
        '+inf',
      );
      for (const [key, raw] of await this.read(keys)) {
        const run = decode(raw);
        if (run.status !== 'running' || run.expiresAt > now) continue;
        const row: TaskRunRow = { ...run, status: 'lost', finishedAt: now };
        const settled = await this.client.metaqueueSettleTick(
          key,
          this.runningKey(task),
          raw,
          encode(row),
        );
        if (settled === 1) lost.push(row);
      }
    }
    return lost;
  }

  async runs(task: string, from: Date, to: Date): Promise<TaskRunRow[]> {
    const keys = await this.client.zrangebyscore(this.indexKey(task), from.getTime(), to.getTime());
    return (await this.read(keys)).map(([, raw]) => decode(raw));
  }

  async running(task: string): Promise<TaskRunRow[]> {
    const marker = await this.client.get(this.runningKey(task));
    if (marker === null) return [];
    return (await this.read([marker]))
      .map(([, raw]) => decode(raw))
      .filter((r) => r.status === 'running');
  }

  async latest(task: string, count: number): Promise<TaskRunRow[]> {
    const keys = await this.client.zrevrange(this.indexKey(task), 0, count - 1);
    return (await this.read(keys)).map(([, raw]) => decode(raw));
  }

  async close(): Promise<void> {
    if (this.client.status === 'wait' || this.client.status === 'end') this.client.disconnect();
    else await this.client.quit().catch(() => this.client.disconnect());
  }

  /** The rows still held under these keys, with their keys. */
  private async read(keys: string[]): Promise<[string, string][]> {
    if (keys.length === 0) return [];
    const values = await this.client.mget(...keys);
    return keys.flatMap((key, i): [string, string][] =>
      values[i] == null ? [] : [[key, values[i]]],
    );
  }

  // One hash tag per task, so a task's keys share a Redis Cluster slot (the scripts touch several).
  private tickKey(task: string, at: Date): string {
    return `${this.prefix}task:{${task}}:tick:${at.getTime()}`;
  }

  private indexKey(task: string): string {
    return `${this.prefix}task:{${task}}:ticks`;
  }

  private runningKey(task: string): string {
    return `${this.prefix}task:{${task}}:running`;
  }
}

const dates = ['scheduledAt', 'startedAt', 'finishedAt', 'expiresAt'] as const;

function encode(row: TaskRunRow): string {
  return JSON.stringify(row);
}

function decode(raw: string): TaskRunRow {
  const row = JSON.parse(raw) as Record<string, unknown>;
  for (const key of dates) if (row[key] !== undefined) row[key] = new Date(row[key] as string);
  return row as unknown as TaskRunRow;
}
