import { Injectable, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { META_TASK_METADATA } from '../metaqueue.tokens.js';
import type { MetaTaskOptions } from './meta-task.interface.js';

/** Reads what `@MetaTask()` stored on a class. */
@Injectable()
export class MetaTaskMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  getOptions(target: Type | Function): MetaTaskOptions | undefined {
    return this.reflector.get<MetaTaskOptions | undefined>(META_TASK_METADATA, target);
  }
}
