import type { ResolvedQueueOptions } from './queue/meta-queue-options.interface.js';

/** Every default of a public option, in one place; the README lists the same values. */
export const defaults = {
  queue: {
    bufferSize: 10_000,
    dtype: 'json',
    overflow: 'block',
    blockTimeoutMs: undefined,
  } satisfies ResolvedQueueOptions,
} as const;
