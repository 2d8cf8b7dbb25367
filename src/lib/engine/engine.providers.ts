import type { FactoryProvider } from '@nestjs/common';
import { DuplicateTopicError, MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';
import { TASK_RUNS_TOPIC } from './task-runs-topic.js';
import type {
  EngineModuleOptions,
  TopicDeclaration,
  TopicDefinition,
} from './topic-definition.interface.js';
import { getEngineToken, METAQUEUE_MODULE_OPTIONS, RECORD_BUFFER } from '../metaqueue.tokens.js';
import type { RecordBuffer } from '../buffer/record-buffer.interface.js';
import { EngineRegistry } from './engine.registry.js';
import { assertTopic } from './topic.js';

/** The registry and one engine provider per topic; throws on a bad or repeated topic. */
export function createTopicProviders(declarations: TopicDeclaration[]): FactoryProvider[] {
  const topics = declarations.map(toDefinition);
  const seen = new Set<string>();
  for (const { topic } of topics) {
    assertTopic(topic);
    if (seen.has(topic)) throw new DuplicateTopicError(topic);
    seen.add(topic);
  }
  return [
    {
      provide: EngineRegistry,
      useFactory: (options: EngineModuleOptions, buffer: RecordBuffer) =>
        new EngineRegistry(withTaskRunsTopic(topics, options), options.queueDefaults, buffer),
      inject: [METAQUEUE_MODULE_OPTIONS, RECORD_BUFFER],
    },
    ...topics.map(({ topic }) => ({
      provide: getEngineToken(topic),
      useFactory: (registry: EngineRegistry) => registry.get(topic),
      inject: [EngineRegistry],
    })),
  ];
}

function toDefinition(declaration: TopicDeclaration): TopicDefinition {
  return typeof declaration === 'object' && declaration !== null
    ? declaration
    : { topic: declaration };
}

/** The app's topics, and the task runs' own unless `recordRuns: false`. */
function withTaskRunsTopic(
  topics: TopicDefinition[],
  options: EngineModuleOptions,
): TopicDefinition[] {
  if (options.recordRuns === false) return topics;
  if (topics.some(({ topic }) => topic === TASK_RUNS_TOPIC)) {
    throw new MetaqueueConfigError(errorMessages.reservedTopic(TASK_RUNS_TOPIC));
  }
  return [...topics, { topic: TASK_RUNS_TOPIC, dtype: 'json' }];
}
