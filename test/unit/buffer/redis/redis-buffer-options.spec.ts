import { hostname } from 'node:os';
import { resolveRedisBufferOptions } from '../../../../src/lib/buffer/redis/redis-buffer-options.js';
import { redactCredentials } from '../../../../src/lib/buffer/redis/redis-connection.js';
import { decodeRecord, encodeRecord } from '../../../../src/lib/buffer/record-codec.js';
import { MetaqueueConfigError } from '../../../../src/lib/index.js';

describe('Redis buffer options', () => {
  it('fills in the defaults, the consumer named hostname:pid', () => {
    expect(resolveRedisBufferOptions({ type: 'redis' })).toEqual({
      url: 'redis://127.0.0.1:6379',
      streamPrefix: 'metaqueue:',
      claimIdleMs: 30_000,
      ownershipTtlMs: 604_800_000,
      consumer: `${hostname()}:${process.pid}`,
    });
  });

  it.each([
    [{ url: 'http://h:6379' }],
    [{ claimIdleMs: 0 }],
    [{ ownershipTtlMs: -1 }],
    [{ maxLen: 1.5 }],
    [{ consumer: '' }],
    [{ streamPrefix: 7 as unknown as string }],
    [{ streamPrefix: '' }],
  ])('refuses %j', (bad) => {
    expect(() => resolveRedisBufferOptions({ type: 'redis', ...bad })).toThrow(
      MetaqueueConfigError,
    );
  });

  it('cuts every credential out of a text, from the url and the connection options', () => {
    const options = resolveRedisBufferOptions({
      type: 'redis',
      url: 'redis://alice:p%40ss@h:6379/2',
      connection: { password: 'other-secret' },
    });
    const text = 'failed redis://alice:p%40ss@h:6379/2 with p@ss, alice and other-secret';
    const redacted = redactCredentials(text, options);
    for (const secret of ['p@ss', 'p%40ss', 'alice', 'other-secret']) {
      expect(redacted).not.toContain(secret);
    }
  });
});

describe('stream entries', () => {
  it('carry a record exactly, data decoded from its JSON', () => {
    const record = {
      id: '4b0c8d6e-7a53-4a0e-9a4e-6f0f0b3c1f11',
      topic: 't',
      name: 'n',
      location: "l'\n😀",
      context: 'c\\N',
      data: { a: [1, 'x', null] },
      json: '{"a":[1,"x",null]}',
      publishedAt: new Date('2026-11-29T09:14:22.040Z'),
    };
    expect(decodeRecord(encodeRecord(record))).toEqual(record);
  });
});
