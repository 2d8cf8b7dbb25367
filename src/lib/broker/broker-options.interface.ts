import type { BrokerRole } from '../buffer/buffer-options.interface.js';

/** The module options the broker reads. */
export interface BrokerModuleOptions {
  /** When and how records are flushed. */
  broker?: BrokerOptions;
}

/** When and how the broker moves records from the queues to the store. */
export interface BrokerOptions {
  /** Flush this often. Default 1000 ms; 100 ms for a Redis worker, which cannot see appends and looks instead. */
  flushIntervalMs?: number;
  /** Most records per write; a queue holding this many, or full, triggers a flush at once. Default 5000. */
  maxBatchSize?: number;
  /** Batches being stored at once: the database ingests one while the next is prepared. Default 2. */
  storeConcurrency?: number;
  /** How long the final flush at shutdown may take. Default 10000 ms. */
  shutdownTimeoutMs?: number;
  /** First delay before retrying a failed write; it doubles each time, with jitter. Default 100 ms. */
  retryInitialDelayMs?: number;
  /** Longest delay between retries. Default 5000 ms. */
  retryMaxDelayMs?: number;
  /** Most records a connector may fall behind; past it, its oldest batches are dropped, counted. Default 100000. */
  maxConnectorBacklog?: number;
  /**
   * What this application does with a shared buffer (Redis): `'publisher'`
   * only publishes (no database), `'worker'` only reads and stores, `'both'`
   * does both. Default `'both'`; another role needs `buffer: { type: 'redis' }`.
   */
  role?: BrokerRole;
}
