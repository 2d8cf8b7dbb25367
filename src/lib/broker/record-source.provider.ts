import type { FactoryProvider } from '@nestjs/common';
import { EngineRegistry } from '../engine/engine.registry.js';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';
import type { MetaqueueModuleOptions } from '../metaqueue-options.interface.js';
import { METAQUEUE_MODULE_OPTIONS, RECORD_SOURCE } from '../metaqueue.tokens.js';
import { resolveDiskBuffer } from '../buffer/disk/disk-buffer-options.js';
import { DiskRecordSource } from '../buffer/disk/disk-record-source.js';
import { MemoryRecordSource } from '../buffer/memory/memory-record-source.js';
import type { RecordSource } from '../buffer/record-source.interface.js';
import { resolveRedisBufferOptions } from '../buffer/redis/redis-buffer-options.js';
import { RedisRecordSource } from '../buffer/redis/redis-record-source.js';

/** The source the broker reads: the engines' queues, the disk buffer behind them, or Redis streams. */
export const recordSourceProvider: FactoryProvider<RecordSource> = {
  provide: RECORD_SOURCE,
  useFactory: (engines: EngineRegistry, options: MetaqueueModuleOptions) => {
    const buffer = options.buffer ?? { type: 'memory' };
    const role = options.broker?.role ?? 'both';
    if (buffer.type !== 'redis' && role !== 'both') {
      throw new MetaqueueConfigError(errorMessages.roleNeedsSharedBuffer(role));
    }
    switch (buffer.type) {
      case 'memory':
        return new MemoryRecordSource(engines);
      case 'disk':
        return new DiskRecordSource(engines, resolveDiskBuffer(buffer));
      case 'redis':
        return new RedisRecordSource(engines, resolveRedisBufferOptions(buffer));
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
  },
  inject: [EngineRegistry, METAQUEUE_MODULE_OPTIONS],
};
