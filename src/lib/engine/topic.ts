import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';
import { metadataLimits } from './metadata-limits.constants.js';
import type { Topic } from '../record/topic.interface.js';

export function assertTopic(topic: unknown): asserts topic is Topic {
  if (
    typeof topic !== 'string' ||
    topic.length === 0 ||
    topic.length > metadataLimits.nameLength ||
    topic.includes('\u0000')
  ) {
    throw new MetaqueueConfigError(errorMessages.invalidTopic(topic, metadataLimits.nameLength));
  }
}
