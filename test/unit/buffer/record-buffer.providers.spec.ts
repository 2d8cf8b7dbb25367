import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MemoryBuffer } from '../../../src/lib/buffer/memory/memory-buffer.js';
import type { RecordBuffer } from '../../../src/lib/buffer/record-buffer.interface.js';
import { recordBufferProviders } from '../../../src/lib/buffer/record-buffer.providers.js';
import { MetaqueueConfigError } from '../../../src/lib/index.js';
import {
  METAQUEUE_MODULE_OPTIONS,
  RECORD_BUFFER,
  RECORD_SOURCE,
} from '../../../src/lib/metaqueue.tokens.js';

/** The two providers alone, over the module options given. */
async function providers(options: object) {
  @Module({
    providers: [{ provide: METAQUEUE_MODULE_OPTIONS, useValue: options }, ...recordBufferProviders],
  })
  class BufferModule {}
  return Test.createTestingModule({ imports: [BufferModule] }).compile();
}

describe('recordBufferProviders', () => {
  it('provide the buffer the options name, and its source under RECORD_SOURCE', async () => {
    const module = await providers({});
    const buffer = module.get<RecordBuffer>(RECORD_BUFFER);
    expect(buffer).toBeInstanceOf(MemoryBuffer);
    expect(module.get(RECORD_SOURCE)).toBe(buffer.source);
    await module.close();
  });

  it('refuse bad buffer options as the module starts', async () => {
    await expect(providers({ buffer: { type: 'tape' } })).rejects.toThrow(MetaqueueConfigError);
  });
});
