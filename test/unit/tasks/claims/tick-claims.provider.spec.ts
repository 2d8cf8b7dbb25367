import type { DataSource } from 'typeorm';
import type { RecordBuffer } from '../../../../src/lib/buffer/record-buffer.interface.js';
import { RedisBuffer } from '../../../../src/lib/buffer/redis/redis-buffer.js';
import { resolveRedisBufferOptions } from '../../../../src/lib/buffer/redis/redis-buffer-options.js';
import type { MetadataStore } from '../../../../src/lib/store/metadata-store.js';
import type { TickClaims } from '../../../../src/lib/tasks/claims/task-run-row.interface.js';
import { tickClaimsProvider } from '../../../../src/lib/tasks/claims/tick-claims.provider.js';

const claimsFor = (buffer: RecordBuffer, store: MetadataStore | null) =>
  (tickClaimsProvider.useFactory as (b: RecordBuffer, s: MetadataStore | null) => TickClaims)(
    buffer,
    store,
  );
const memory = { role: 'both' } as RecordBuffer;
const store = { dataSource: {} as DataSource } as MetadataStore;

describe('where ticks are claimed', () => {
  it('in Redis with the Redis buffer, even beside a store; else in the store; else in the process', async () => {
    // A RedisBuffer without its connection: the choice reads only its options.
    const redis = Object.assign(Object.create(RedisBuffer.prototype) as RedisBuffer, {
      options: resolveRedisBufferOptions({ type: 'redis', url: 'redis://127.0.0.1:1' }),
    });
    const inRedis = claimsFor(redis, store);
    expect(inRedis.kind).toBe('redis');
    await inRedis.close?.();
    const publisher = claimsFor(redis, null);
    expect(publisher.kind).toBe('redis');
    await publisher.close?.();
    expect(claimsFor(memory, store).kind).toBe('store');
    expect(claimsFor(memory, null).kind).toBe('local');
  });
});
