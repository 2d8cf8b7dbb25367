import type { RedisOptions } from 'ioredis';

/**
 * When the disk buffer makes a write durable:
 * - `none`: written to the kernel only; survives a process crash, not an OS crash;
 * - `interval`: also fsynced every `syncIntervalMs`;
 * - `always`: fsynced before `publish()` resolves (one fsync per tick for all its publishes).
 */
export type BufferSync = 'none' | 'interval' | 'always';

/** Accepted records wait in memory, in the topics' queues: lost if the process dies. */
export interface MemoryBufferOptions {
  type: 'memory';
}

/** Accepted records wait in a write-ahead log on disk until every sink has them. */
export interface DiskBufferOptions {
  type: 'disk';
  /** The buffer's own directory (created if missing); one process at a time. */
  path: string;
  /** Most bytes the log holds; past it, the topics' overflow policies act. Default 1 GiB. */
  maxBytes?: number;
  /** When a write is made durable. Default `'interval'`. */
  sync?: BufferSync;
  /** With `sync: 'interval'`, how often. Default 500 ms. */
  syncIntervalMs?: number;
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
  /**
   * How long Redis remembers which worker's file keeps a record claimed, or
   * recovered from a crashed worker's spool. Default 7 days.
   */
  ownershipTtlMs?: number;
  /** Most entries a topic's stream holds before its overflow policy acts. Default: the topic's `bufferSize`. */
  maxLen?: number;
  /** This worker's name in every consumer group. Default `hostname:pid`. */
  consumer?: string;
}

/** The module options the buffer is made from. */
export interface BufferModuleOptions {
  /** Where accepted records wait for the sinks: in memory (default), a log on disk, or Redis streams a fleet shares. */
  buffer?: BufferOptions;
}

/** The buffer reads `broker.role` too: what this application does with a shared buffer. */
export interface BufferRoleOption {
  broker?: { role?: BrokerRole };
}

/** Where accepted records wait until every sink has them. */
export type BufferOptions = MemoryBufferOptions | DiskBufferOptions | RedisBufferOptions;

/**
 * What this application does with a shared buffer (Redis): `'publisher'`
 * only publishes (no database), `'worker'` only reads and stores, `'both'`
 * does both. Another role than `'both'` needs `buffer: { type: 'redis' }`.
 */
export type BrokerRole = 'both' | 'publisher' | 'worker';
