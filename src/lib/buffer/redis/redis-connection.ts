import { Logger } from '@nestjs/common';
import { Redis, type ChainableCommander } from 'ioredis';
import { describeError } from '../../errors/describe-error.util.js';
import { logMessages } from '../../metaqueue.messages.js';
import {
  appendScript,
  claimOwnersScript,
  forgetConsumerScript,
  moveAsideScript,
  settleOwnersScript,
  trimScript,
} from './redis-scripts.js';
import type { ResolvedRedisBufferOptions } from './redis-buffer-options.js';

export type StreamClient = Redis;

/** A pipeline with metaqueue's scripts, defined on the client (EVALSHA, loaded on first use). */
export interface StreamPipeline extends ChainableCommander {
  metaqueueAppend(stream: string, onceKey: string, ...args: (string | number)[]): this;
  metaqueueTrim(stream: string): this;
  /** Keys vary in number: the first argument says how many. */
  metaqueueClaimOwners(keys: number, ...args: (string | number)[]): this;
  metaqueueSettleOwners(keys: number, ...args: (string | number)[]): this;
  metaqueueForgetConsumer(stream: string, group: string, consumer: string): this;
  metaqueueMoveAside(stream: string, deadLetters: string, ...idsAndReasons: string[]): this;
}

export function streamPipeline(client: StreamClient): StreamPipeline {
  // defineCommand() adds the scripts at run time, where ioredis's types cannot see them.
  return client.pipeline() as StreamPipeline;
}

/** A connection to the buffer's Redis; it reconnects by itself, and resends what it had sent. */
export function connectRedis(options: ResolvedRedisBufferOptions): StreamClient {
  const client = new Redis(options.url, { ...options.connection, lazyConnect: false });
  client.defineCommand('metaqueueAppend', { numberOfKeys: 2, lua: appendScript });
  client.defineCommand('metaqueueTrim', { numberOfKeys: 1, lua: trimScript });
  client.defineCommand('metaqueueClaimOwners', { lua: claimOwnersScript });
  client.defineCommand('metaqueueSettleOwners', { lua: settleOwnersScript });
  client.defineCommand('metaqueueForgetConsumer', { numberOfKeys: 1, lua: forgetConsumerScript });
  client.defineCommand('metaqueueMoveAside', { numberOfKeys: 2, lua: moveAsideScript });
  return client;
}

/** Where the client connects, for logs: host, port and database, never a user or password. */
export function describeTarget(client: Redis): string {
  const { host, port, db, path } = client.options;
  return path ? `unix:${path}` : `redis://${host}:${port}/${db ?? 0}`;
}

/** An error's text with every credential of the connection cut out. */
export function redactCredentials(text: string, options: ResolvedRedisBufferOptions): string {
  const secrets = [options.connection?.password, options.connection?.username];
  try {
    const url = new URL(options.url);
    secrets.push(options.url, decodeURIComponent(url.password), decodeURIComponent(url.username));
  } catch {
    secrets.push(options.url);
  }
  let redacted = text;
  for (const secret of secrets) {
    if (secret) redacted = redacted.split(secret).join('***');
  }
  return redacted;
}

/**
 * The buffer's one connection to Redis, and whether Redis can be reached:
 * `false` from a failed connection until Redis answers again, logged once
 * each way, without credentials. Those who must act on either event
 * (publishes waiting, a read that lost its reply) listen with `on`.
 */
export class RedisConnection {
  readonly client: StreamClient;
  /** Where it connects, for logs. */
  readonly target: string;
  private readonly logger = new Logger('RedisBuffer');
  private unreachable = false;
  private readonly listeners = { ready: [] as (() => void)[], lost: [] as (() => void)[] };

  constructor(private readonly options: ResolvedRedisBufferOptions) {
    this.client = connectRedis(options);
    this.target = describeTarget(this.client);
    this.client.on('error', (error: Error) => this.onError(error));
    this.client.on('ready', () => this.onReady());
  }

  /** Connected and ready for commands now. */
  get connected(): boolean {
    return this.client.status === 'ready';
  }

  /** `false` from a failed connection until Redis answers again: publishes apply their policy, health is down. */
  get available(): boolean {
    return !this.unreachable;
  }

  /** Calls `listener` each time Redis is ready (again), or a connection fails. */
  on(event: 'ready' | 'lost', listener: () => void): void {
    this.listeners[event].push(listener);
  }

  /** Whether Redis is ready, once the connection under way (at startup) has answered. */
  async ready(): Promise<boolean> {
    if (this.connected || this.unreachable) return this.connected;
    await new Promise<void>((resolve) => {
      const settle = () => {
        this.client.off('ready', settle).off('error', settle);
        resolve();
      };
      this.client.once('ready', settle).once('error', settle);
    });
    return this.connected;
  }

  /** An error that says Redis cannot be reached now, for a caller that must not wait for it. */
  notConnected(): Error {
    return new Error(logMessages.redisUnreachable(this.target, 'not connected'));
  }

  /** An error's text for a log line or a rethrow, with every credential cut out. */
  describe(error: unknown): string {
    return redactCredentials(describeError(error), this.options);
  }

  warn(message: string): void {
    this.logger.warn(message);
  }

  log(message: string): void {
    this.logger.log(message);
  }

  /** Marks Redis unreachable, and logs it, once until it is reachable again. */
  lost(error: unknown): void {
    if (this.unreachable) return;
    this.unreachable = true;
    this.logger.error(logMessages.redisUnreachable(this.target, this.describe(error)));
  }

  /** Closes the connection: politely if it is up, so what was sent is answered first. */
  async close(): Promise<void> {
    if (this.connected) await this.client.quit().catch(() => undefined);
    this.client.disconnect();
  }

  private onError(error: Error): void {
    this.lost(error);
    for (const listener of this.listeners.lost) listener();
  }

  private onReady(): void {
    if (this.unreachable) this.logger.log(logMessages.redisReachable(this.target));
    this.unreachable = false;
    for (const listener of this.listeners.ready) listener();
  }
}
