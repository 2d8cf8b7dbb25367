import { SetMetadata } from '@nestjs/common';
import { META_TASK_METADATA } from '../metaqueue.tokens.js';
import type { MetaTaskOptions } from './meta-task.interface.js';

/**
 * Marks a provider as a task: discovered at bootstrap, run by `TaskRunner`.
 * The class gets engines by constructor injection and implements `run(...args)`;
 * list it in a module's `providers` like any other provider.
 */
export const MetaTask = (options: MetaTaskOptions = {}): ClassDecorator =>
  SetMetadata(META_TASK_METADATA, options);
