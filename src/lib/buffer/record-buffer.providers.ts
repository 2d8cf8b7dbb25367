import type { FactoryProvider } from '@nestjs/common';
import { METAQUEUE_MODULE_OPTIONS, RECORD_BUFFER, RECORD_SOURCE } from '../metaqueue.tokens.js';
import type { BufferModuleOptions, BufferRoleOption } from './buffer-options.interface.js';
import { createRecordBuffer } from './create-record-buffer.js';
import type { RecordBuffer } from './record-buffer.interface.js';
import type { RecordSource } from './record-source.interface.js';

/** The application's buffer: the engines' intakes and the broker's source come from it. */
export const recordBufferProviders: FactoryProvider[] = [
  {
    provide: RECORD_BUFFER,
    useFactory: (options: BufferModuleOptions & BufferRoleOption) => createRecordBuffer(options),
    inject: [METAQUEUE_MODULE_OPTIONS],
  },
  // For what reads the source's report or replay guards: metrics, health, connectors.
  {
    provide: RECORD_SOURCE,
    useFactory: (buffer: RecordBuffer): RecordSource => buffer.source,
    inject: [RECORD_BUFFER],
  },
];
