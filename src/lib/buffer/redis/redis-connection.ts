import { Redis, type ChainableCommander } from 'ioredis';
import {
  appendScript,
  claimOwnersScript,
  forgetConsumerScript,
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
