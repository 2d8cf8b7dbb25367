import { Inject } from '@nestjs/common';
import type { Topic } from './topic.interface.js';
import { getEngineToken } from '../metaqueue.tokens.js';

/** Injects the `MetadataEngine` of a topic declared in `MetaqueueModule.forRoot()`. */
export const InjectEngine = (topic: Topic): ParameterDecorator & PropertyDecorator =>
  Inject(getEngineToken(topic));
