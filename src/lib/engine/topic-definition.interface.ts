import type { MetaQueueOptions } from '../queue/meta-queue-options.interface.js';
import type { Topic } from '../record/topic.interface.js';

/** A topic with its own queue settings. */
export interface TopicDefinition<T = unknown> extends MetaQueueOptions<T> {
  topic: Topic;
}

/** A topic name (its queue takes the defaults) or a topic with settings. */
export type TopicDeclaration = Topic | TopicDefinition;

/** The module options the engines are made from. */
export interface EngineModuleOptions {
  /** Queue settings for every topic; a topic's own settings win. */
  queueDefaults?: MetaQueueOptions;
  /**
   * Publish a record of every task run (TaskRunner or schedule) to topic
   * `metaqueue_task_runs`. Default `true`.
   */
  recordRuns?: boolean;
}
