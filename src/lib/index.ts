// The public API of metaqueue: everything users import, and nothing else.
export { MetaqueueModule } from './metaqueue.module.js';
export type {
  MetaqueueModuleExtras,
  MetaqueueModuleOptions,
  MetaqueueOptionsFactory,
  TopicDeclaration,
  TopicDefinition,
} from './metaqueue-options.interface.js';
export { getEngineToken } from './metaqueue.tokens.js';

export { MetadataEngine } from './engine/metadata-engine.js';
export type { Metadata, MetadataRecord } from './engine/metadata.interface.js';
export type { EngineCounters, DropReason, RejectReason } from './engine/engine-counters.js';
export { EngineRegistry } from './engine/engine-registry.js';
export { InjectEngine } from './engine/inject-engine.decorator.js';
export type { Topic } from './engine/topic.js';

export { MetaQueue } from './queue/meta-queue.js';
export type { MetaQueueOptions, OverflowPolicy } from './queue/meta-queue-options.interface.js';
export type { DataType, DataTypeName } from './queue/data-type.js';

export { MetaTask } from './tasks/meta-task.decorator.js';
export type {
  MetaTaskOptions,
  MetaTaskRunnable,
  TaskResult,
  TaskRunOptions,
} from './tasks/meta-task.interface.js';
export { TaskRunner } from './tasks/task-runner.service.js';
export type { TaskArgs, TaskRef, TaskResults } from './tasks/task-runner.service.js';

export {
  DataTypeError,
  DuplicateTopicError,
  InvalidMetadataError,
  MetaqueueConfigError,
  MetaqueueError,
  MetaTaskError,
  PublishError,
  PublishTimeoutError,
  QueueFullError,
} from './errors/metaqueue.errors.js';
