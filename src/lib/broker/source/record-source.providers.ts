import type { FactoryProvider } from '@nestjs/common';
import { EngineRegistry } from '../../engine/engine.registry.js';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { errorMessages } from '../../metaqueue.messages.js';
import type { MetaqueueModuleOptions } from '../../metaqueue-options.interface.js';
import { METAQUEUE_MODULE_OPTIONS, RECORD_SOURCE } from '../../metaqueue.tokens.js';
import { resolveDiskBuffer } from './disk/disk-buffer-options.js';
import { DiskRecordSource } from './disk/disk-record-source.js';
import { MemoryRecordSource } from './memory-record-source.js';
import type { RecordSource } from './record-source.interface.js';

/** The source the broker reads: the engines' queues, or the disk buffer behind them. */
export const recordSourceProvider: FactoryProvider<RecordSource> = {
  provide: RECORD_SOURCE,
  useFactory: (engines: EngineRegistry, options: MetaqueueModuleOptions) => {
    const buffer = options.buffer ?? { type: 'memory' };
    switch (buffer.type) {
      case 'memory':
        return new MemoryRecordSource(engines);
      case 'disk':
        return new DiskRecordSource(engines, resolveDiskBuffer(buffer));
      default:
        throw new MetaqueueConfigError(
          errorMessages.invalidOption(
            'buffer',
            'type',
            (buffer as { type: unknown }).type,
            "'memory' or 'disk'",
          ),
        );
    }
  },
  inject: [EngineRegistry, METAQUEUE_MODULE_OPTIONS],
};
