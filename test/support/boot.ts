import { Test, type TestingModule } from '@nestjs/testing';
import {
  MetaqueueModule,
  type BrokerOptions,
  type StoreOptions,
  type TopicDeclaration,
} from '../../src/lib/index.js';

/** Boots a Nest application with metaqueue and nothing else, logs silenced. */
export async function bootMetaqueue(options: {
  topics: TopicDeclaration[];
  store: StoreOptions | false;
  broker?: BrokerOptions;
}): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [MetaqueueModule.forRoot(options)],
  }).compile();
  moduleRef.useLogger(false);
  return moduleRef.init().catch(async (error: unknown) => {
    await moduleRef.close();
    throw error;
  });
}
