import { RedisBuffer } from '../../../../src/lib/buffer/redis/redis-buffer.js';
import { RedisRecordSource } from '../../../../src/lib/buffer/redis/redis-record-source.js';
import { MetaQueue, type MetadataRecord } from '../../../../src/lib/index.js';
import { withRedisServer } from '../../../harness/redis-server.js';
import { records } from '../../../support/records.js';
import { redisUnit } from '../../../support/redis-unit.js';

withRedisServer().describe('RedisBuffer', () => {
  const redis = redisUnit();

  it('keeps the role it is given: a fleet may only publish, or only read', async () => {
    const publisher = new RedisBuffer(redis.options(), 'publisher');
    expect(publisher.role).toBe('publisher');
    expect(publisher.source).toBeInstanceOf(RedisRecordSource);
    await publisher.source.release();
  });

  it("settles an intake's offer once Redis has the record in the topic's stream", async () => {
    const options = redis.options();
    const buffer = new RedisBuffer(options, 'both');
    const intake = buffer.intake('t', new MetaQueue<MetadataRecord>({ bufferSize: 4 }));
    await buffer.source.start(['store']);
    const [record] = records(1);
    expect(await intake.offer(record, () => undefined)).toBe('accepted');
    const entries = await redis.client.xrange(`${options.streamPrefix}t`, '-', '+');
    expect(entries.map(([, fields]) => fields[1]).join('')).toContain(record.id);
    buffer.source.close();
    await buffer.source.release();
  });
});
