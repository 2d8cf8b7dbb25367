import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { defaults } from '../metaqueue.defaults.js';
import { errorMessages } from '../metaqueue.messages.js';
import { assertOption } from '../utils/assert-option.util.js';
import type {
  BrokerRole,
  BufferModuleOptions,
  BufferRoleOption,
  BufferOptions,
} from './buffer-options.interface.js';
import { DiskBuffer } from './disk/disk-buffer.js';
import { resolveDiskBuffer } from './disk/disk-buffer-options.js';
import { MemoryBuffer } from './memory/memory-buffer.js';
import type { RecordBuffer } from './record-buffer.interface.js';
import { RedisBuffer } from './redis/redis-buffer.js';
import { resolveRedisBufferOptions } from './redis/redis-buffer-options.js';

/**
 * The application's buffer, of the kind `buffer.type` names (default
 * memory), with the role `broker.role` gives it (default `'both'`); every
 * buffer option is resolved here, once. Throws `MetaqueueConfigError` on a
 * bad one.
 */
export function createRecordBuffer(options: BufferModuleOptions & BufferRoleOption): RecordBuffer {
  const buffer: BufferOptions = options.buffer ?? defaults.buffer;
  const role: BrokerRole = options.broker?.role ?? defaults.role;
  assertOption('broker', 'role', role, {
    test: (v) => ['both', 'publisher', 'worker'].includes(v as string),
    expected: "'both', 'publisher' or 'worker'",
  });
  if (buffer.type !== 'redis' && role !== 'both') {
    throw new MetaqueueConfigError(errorMessages.roleNeedsSharedBuffer(role));
  }
  switch (buffer.type) {
    case 'memory':
      return new MemoryBuffer();
    case 'disk':
      return new DiskBuffer(resolveDiskBuffer(buffer));
    case 'redis':
      return new RedisBuffer(resolveRedisBufferOptions(buffer), role);
    default:
      throw new MetaqueueConfigError(
        errorMessages.invalidOption(
          'buffer',
          'type',
          (buffer as { type: unknown }).type,
          "'memory', 'disk' or 'redis'",
        ),
      );
  }
}
