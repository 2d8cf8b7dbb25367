import type { FactoryProvider } from '@nestjs/common';
import { EngineRegistry } from '../../engine/engine.registry.js';
import { RECORD_SOURCE } from '../../metaqueue.tokens.js';
import { MemoryRecordSource } from './memory-record-source.js';
import type { RecordSource } from './record-source.interface.js';

/** The source the broker reads: the engines' in-memory queues. */
export const recordSourceProvider: FactoryProvider<RecordSource> = {
  provide: RECORD_SOURCE,
  useFactory: (engines: EngineRegistry) => new MemoryRecordSource(engines),
  inject: [EngineRegistry],
};
