import type { RedisOptions } from 'ioredis';

/** Records wait in each application's memory, in its topics' queues. The default. */
export interface MemoryBufferOptions {
  type: 'memory';
}

/**
 * Records wait in Redis, one stream per topic, read by the workers of a
 * fleet through one consumer group per sink (see the README's "Running a fleet").
 */
export interface RedisBufferOptions {
  type: 'redis';
  /** `redis://[user:password@]host:port[/db]`; never shown in logs or errors. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** ioredis connection options; they win over the same settings in `url`. */
  connection?: RedisOptions;
  /** Each topic's stream is `${streamPrefix}${topic}`. Default `'metaqueue:'`. */
  streamPrefix?: string;
  /** A worker claims a sink's entries left pending this long by another worker (`XAUTOCLAIM`). Default 30000 ms. */
  claimIdleMs?: number;
  /** Most entries a topic's stream holds before its overflow policy acts. Default: the topic's `bufferSize`. */
  maxLen?: number;
  /** This worker's name in every consumer group. Default `hostname:pid`. */
  consumer?: string;
}

/** Where accepted records wait until every sink has them. */
export type BufferOptions = MemoryBufferOptions | RedisBufferOptions;
