import type { Topic } from './record/topic.interface.js';

/** Where the resolved `MetaqueueModuleOptions` are provided. */
export const METAQUEUE_MODULE_OPTIONS = Symbol('METAQUEUE_MODULE_OPTIONS');

/** Reflect-metadata key set by `@MetaTask()`. */
export const META_TASK_METADATA = 'metaqueue:meta-task';

/** The DI token of a topic's `MetadataEngine`, for `moduleRef.get()` and tests. */
export function getEngineToken(topic: Topic | { topic: Topic }): string {
  return `metaqueue:engine:${typeof topic === 'string' ? topic : topic.topic}`;
}

/** The application's `RecordBuffer`: each engine's intake, and the broker's source. */
export const RECORD_BUFFER = Symbol('metaqueue:record-buffer');

/** Where the broker reads accepted records from: the engines' queues by default. */
export const RECORD_SOURCE = Symbol('metaqueue:record-source');

/** The application's DataSource, with `store: { typeormDataSource }`. */
export const APP_DATA_SOURCE = Symbol('metaqueue:app-data-source');

/** Where the ticks of scheduled tasks are claimed: the store, Redis, or this process. */
export const TICK_CLAIMS = Symbol('metaqueue:tick-claims');
