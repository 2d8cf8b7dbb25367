import type { FactoryProvider } from '@nestjs/common';
import { EngineRegistry } from '../../engine/engine.registry.js';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import type { MetaqueueModuleOptions } from '../../metaqueue-options.interface.js';
import { errorMessages } from '../../metaqueue.messages.js';
import { METAQUEUE_MODULE_OPTIONS, RECORD_SOURCE } from '../../metaqueue.tokens.js';
import { MemoryRecordSource } from './memory-record-source.js';
import type { RecordSource } from './record-source.interface.js';
import { resolveRedisBufferOptions } from './redis/redis-buffer-options.js';
import { RedisRecordSource } from './redis/redis-record-source.js';

/** The source the broker reads: the engines' in-memory queues, or Redis streams. */
export const recordSourceProvider: FactoryProvider<RecordSource> = {
  provide: RECORD_SOURCE,
  useFactory: (engines: EngineRegistry, options: MetaqueueModuleOptions) => {
    const buffer = options.buffer ?? { type: 'memory' };
    if (buffer.type === 'redis') {
      return new RedisRecordSource(engines, resolveRedisBufferOptions(buffer));
    }
    const role = options.broker?.role ?? 'both';
    if (role !== 'both') throw new MetaqueueConfigError(errorMessages.roleNeedsSharedBuffer(role));
    return new MemoryRecordSource(engines);
  },
  inject: [EngineRegistry, METAQUEUE_MODULE_OPTIONS],
};
