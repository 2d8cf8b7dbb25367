import type { TopicSettings, TypedTopics } from './typed-topic.interface.js';

/**
 * Declares topics once, for runtime and types alike:
 *
 *   const topics = defineTopics({ imports: { dtype: 'number' }, reports: { dtype: 'json' } });
 *   MetaqueueModule.forRoot({ topics: Object.values(topics) });
 *   constructor(@InjectEngine(topics.imports) engine: MetadataEngine<number>) {}
 *
 * The `dtype` checks data at runtime, and gives `data` its static type.
 */
export function defineTopics<const S extends TopicSettings>(settings: S): TypedTopics<S> {
  return Object.fromEntries(
    Object.entries(settings).map(([topic, options]) => [topic, { ...options, topic }]),
  ) as TypedTopics<S>;
}
