import { Logger } from '@nestjs/common';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BufferOptions } from '../../../src/lib/buffer/buffer-options.interface.js';
import { createRecordBuffer } from '../../../src/lib/buffer/create-record-buffer.js';
import { DiskBuffer } from '../../../src/lib/buffer/disk/disk-buffer.js';
import { MemoryBuffer } from '../../../src/lib/buffer/memory/memory-buffer.js';
import { RedisBuffer } from '../../../src/lib/buffer/redis/redis-buffer.js';
import { MetaqueueConfigError } from '../../../src/lib/index.js';
import { errorMessages } from '../../../src/lib/metaqueue.messages.js';
import { freePort } from '../../harness/redis-server.js';

beforeAll(() => {
  Logger.overrideLogger(false);
});

/** A disk buffer's directory, never opened: making the buffer touches no file. */
const diskPath = join(tmpdir(), 'metaqueue-never-opened');

describe('createRecordBuffer', () => {
  it('makes a memory buffer by default, read and published to here', () => {
    const buffer = createRecordBuffer({});
    expect(buffer).toBeInstanceOf(MemoryBuffer);
    expect(buffer.role).toBe('both');
    expect(createRecordBuffer({ buffer: { type: 'memory' } })).toBeInstanceOf(MemoryBuffer);
  });

  it('makes a disk buffer, its options resolved here', () => {
    const buffer = createRecordBuffer({ buffer: { type: 'disk', path: diskPath } });
    expect(buffer).toBeInstanceOf(DiskBuffer);
    expect(buffer.role).toBe('both');
    expect(() => createRecordBuffer({ buffer: { type: 'disk', path: '' } })).toThrow(
      MetaqueueConfigError,
    );
  });

  it('makes a Redis buffer with the role given', async () => {
    // Nothing listens there: the buffer is made and released without a server.
    const url = `redis://127.0.0.1:${await freePort()}`;
    const buffer = createRecordBuffer({
      buffer: { type: 'redis', url },
      broker: { role: 'worker' },
    });
    try {
      expect(buffer).toBeInstanceOf(RedisBuffer);
      expect(buffer.role).toBe('worker');
    } finally {
      await buffer.source.release();
    }
  });

  it.each<[string, 'publisher' | 'worker', BufferOptions | undefined]>([
    ['the default', 'publisher', undefined],
    ['a memory', 'worker', { type: 'memory' }],
    ['a disk', 'publisher', { type: 'disk', path: diskPath }],
  ])('refuses %s buffer to a %s, which needs one the fleet shares', (_, role, buffer) => {
    const make = () => createRecordBuffer({ buffer, broker: { role } });
    expect(make).toThrow(MetaqueueConfigError);
    expect(make).toThrow(errorMessages.roleNeedsSharedBuffer(role));
  });

  it('refuses a bad role, naming the option', () => {
    const make = () => createRecordBuffer({ broker: { role: 'reader' as never } });
    expect(make).toThrow(MetaqueueConfigError);
    expect(make).toThrow(
      errorMessages.invalidOption('broker', 'role', 'reader', "'both', 'publisher' or 'worker'"),
    );
  });

  it('refuses a bad type, naming the option', () => {
    const make = () => createRecordBuffer({ buffer: { type: 's3' } as never });
    expect(make).toThrow(MetaqueueConfigError);
    expect(make).toThrow(
      errorMessages.invalidOption('buffer', 'type', 's3', "'memory', 'disk' or 'redis'"),
    );
  });
});
