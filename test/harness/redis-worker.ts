import type { BrokerOptions, RedisBufferOptions, StoreOptions } from '../../src/lib/index.js';
import { ChildApp } from './child-app.js';

/** test/harness/redis-worker-app.ts, a worker storing a Redis stream, in a process of its own. */
export function startRedisWorker(options: {
  store: StoreOptions;
  buffer: RedisBufferOptions;
  file: string;
  topics?: string[];
  broker?: BrokerOptions;
}): ChildApp {
  return ChildApp.start('test/harness/redis-worker-app.ts', {
    env: {
      METAQUEUE_TEST_STORE: JSON.stringify(options.store),
      METAQUEUE_TEST_BUFFER: JSON.stringify(options.buffer),
      METAQUEUE_TEST_FILE: options.file,
      METAQUEUE_TEST_TOPICS: JSON.stringify(options.topics ?? ['load']),
      METAQUEUE_TEST_BROKER: JSON.stringify(options.broker ?? {}),
    },
  });
}
