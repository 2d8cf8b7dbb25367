import { hostname } from 'node:os';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { defaults } from '../../metaqueue.defaults.js';
import { errorMessages } from '../../metaqueue.messages.js';
import { assertOption, optionRules } from '../../utils/assert-option.util.js';
import { definedOnly } from '../../utils/defined-only.util.js';
import type { RedisBufferOptions } from '../buffer-options.interface.js';

export type ResolvedRedisBufferOptions = Required<
  Omit<RedisBufferOptions, 'type' | 'maxLen' | 'connection'>
> &
  Pick<RedisBufferOptions, 'maxLen' | 'connection'>;

/** The Redis buffer's options with their defaults; throws `MetaqueueConfigError` on a bad one. */
export function resolveRedisBufferOptions(options: RedisBufferOptions): ResolvedRedisBufferOptions {
  const { url, connection, streamPrefix, claimIdleMs, ownershipTtlMs, maxLen, consumer } = options;
  const resolved: ResolvedRedisBufferOptions = {
    ...defaults.redisBuffer,
    consumer: `${hostname()}:${process.pid}`,
    ...definedOnly({
      url,
      connection,
      streamPrefix,
      claimIdleMs,
      ownershipTtlMs,
      maxLen,
      consumer,
    }),
  };
  // The url may hold a password: a bad one is named, never shown.
  if (typeof resolved.url !== 'string' || !/^rediss?:\/\//.test(resolved.url)) {
    throw new MetaqueueConfigError(errorMessages.invalidRedisUrl());
  }
  // The dead-letter stream's key is the prefix itself: it must be a key of its own.
  assertOption('buffer', 'streamPrefix', resolved.streamPrefix, {
    test: (v) => typeof v === 'string' && v.length > 0,
    expected: 'a non-empty string (the dead-letter stream takes the prefix itself as its key)',
  });
  assertOption('buffer', 'claimIdleMs', resolved.claimIdleMs, optionRules.positiveMs);
  assertOption('buffer', 'ownershipTtlMs', resolved.ownershipTtlMs, optionRules.positiveMs);
  assertOption('buffer', 'consumer', resolved.consumer, optionRules.path);
  if (resolved.maxLen !== undefined) {
    assertOption('buffer', 'maxLen', resolved.maxLen, optionRules.positiveInteger);
  }
  return resolved;
}
