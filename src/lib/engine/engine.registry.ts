import { MemoryBuffer } from '../buffer/memory/memory-buffer.js';
import type { RecordBuffer } from '../buffer/record-buffer.interface.js';
import { MetaqueueConfigError, MetaqueueError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';
import type { MetaQueueOptions } from '../queue/meta-queue-options.interface.js';
import { MetaQueue } from '../queue/meta-queue.js';
import type { TopicDefinition } from './topic-definition.interface.js';
import { definedOnly } from '../utils/defined-only.util.js';
import { MetadataEngine } from './metadata-engine.js';
import type { Topic } from '../record/topic.interface.js';

/**
 * The engines of one application, by topic. One per `MetaqueueModule`, never
 * process-global, so two applications in one process share nothing.
 */
export class EngineRegistry {
  private readonly engines = new Map<Topic, MetadataEngine>();

  /** `buffer` makes each engine's intake: by default its queue, in memory. */
  constructor(
    topics: TopicDefinition[],
    queueDefaults: MetaQueueOptions = {},
    buffer: RecordBuffer = new MemoryBuffer(),
  ) {
    for (const { topic, ...queueOptions } of topics) {
      try {
        const queue = new MetaQueue({ ...queueDefaults, ...definedOnly(queueOptions) });
        this.engines.set(topic, new MetadataEngine(topic, queue, buffer.intake(topic, queue)));
      } catch (error) {
        if (!(error instanceof MetaqueueConfigError)) throw error;
        throw new MetaqueueConfigError(errorMessages.topicConfig(topic, error.message));
      }
    }
  }

  get topics(): Topic[] {
    return [...this.engines.keys()];
  }

  get<T = unknown>(topic: Topic): MetadataEngine<T> {
    const engine = this.engines.get(topic);
    if (!engine) throw new MetaqueueError(errorMessages.unknownTopic(topic, this.topics));
    return engine as MetadataEngine<T>;
  }

  getAll(): MetadataEngine[] {
    return [...this.engines.values()];
  }
}
