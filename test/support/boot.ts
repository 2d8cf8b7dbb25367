import { Test, type TestingModule } from '@nestjs/testing';
import {
  MetaqueueModule,
  type MetaqueueModuleOptions,
  type TopicDeclaration,
} from '../../src/lib/index.js';

/** Boots a Nest application with metaqueue and nothing else, logs silenced. */
export async function bootMetaqueue(
  options: MetaqueueModuleOptions & { topics: TopicDeclaration[] },
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [MetaqueueModule.forRoot(options)],
  }).compile();
  moduleRef.useLogger(false);
  return moduleRef.init().catch(async (error: unknown) => {
    await moduleRef.close();
    throw error;
  });
}
