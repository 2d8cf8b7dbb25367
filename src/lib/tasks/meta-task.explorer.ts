import { Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { MetaTaskError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';
import { MetaTaskMetadataAccessor } from './meta-task-metadata.accessor.js';
import type { DiscoveredTask, MetaTaskRunnable } from './meta-task.interface.js';

/** Finds the `@MetaTask()` providers of the application; runs nothing. */
@Injectable()
export class MetaTaskExplorer implements OnModuleInit {
  private readonly tasks = new Map<Function, DiscoveredTask>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly accessor: MetaTaskMetadataAccessor,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as Type<MetaTaskRunnable> | undefined;
      if (typeof type !== 'function' || wrapper.inject) continue;
      const options = this.accessor.getOptions(type);
      if (!options) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        throw new MetaTaskError(errorMessages.taskNotStatic(type.name));
      }
      const instance = wrapper.instance as MetaTaskRunnable | undefined;
      if (typeof instance?.run !== 'function') {
        throw new MetaTaskError(errorMessages.taskWithoutRun(type.name));
      }
      this.tasks.set(type, { name: options.name ?? type.name, instance, options });
    }
  }

  /** The discovered task of a class or an instance, if it is one. */
  find(task: Function | object): DiscoveredTask | undefined {
    return this.tasks.get(typeof task === 'function' ? task : task.constructor);
  }

  getAll(): DiscoveredTask[] {
    return [...this.tasks.values()];
  }
}
