import type { MetaQueueOptions } from '../queue/meta-queue-options.interface.js';
import type { DataOf } from '../queue/data-type.interface.js';
import type { TopicDefinition } from './topic-definition.interface.js';

declare const dataType: unique symbol;

/**
 * A topic from `defineTopics()`: its settings, and the type of its data, which
 * `@InjectEngine(topic)` holds the injected `MetadataEngine<T>` to.
 */
export interface TypedTopic<T, Name extends string = string> extends TopicDefinition<T> {
  readonly topic: Name;
  /** Only a type: never set. */
  readonly [dataType]?: T;
}

/** What `defineTopics()` takes: queue settings by topic name. */
export type TopicSettings = Record<string, MetaQueueOptions>;

/** What `defineTopics()` returns: one typed topic per name. */
export type TypedTopics<S extends TopicSettings> = {
  readonly [K in keyof S & string]: TypedTopic<DataOf<S[K]['dtype']>, K>;
};
