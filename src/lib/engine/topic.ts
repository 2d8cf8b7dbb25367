import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';

/** A topic names a kind of metadata: a string enum member or a plain string. */
export type Topic = string;

export function assertTopic(topic: unknown): asserts topic is Topic {
  if (typeof topic !== 'string' || topic.length === 0) {
    throw new MetaqueueConfigError(errorMessages.invalidTopic(topic));
  }
}
