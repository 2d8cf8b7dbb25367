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

/** Where accepted records wait for the sinks. */
export type BufferOptions = MemoryBufferOptions | DiskBufferOptions;
