import { errorMessages, httpMessages } from '../metaqueue.messages.js';
import { describeError } from './describe-error.util.js';

/** Base class of every error metaqueue throws on purpose. */
export class MetaqueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Module, topic or queue options that cannot work; thrown at startup. */
export class MetaqueueConfigError extends MetaqueueError {}

/** Two topic declarations share a name. */
export class DuplicateTopicError extends MetaqueueConfigError {
  constructor(readonly topic: string) {
    super(errorMessages.duplicateTopic(topic));
  }
}

/**
 * The `metadata` table is not as metaqueue's migrations made it (dropped, a
 * column renamed): no record is at fault, so the batch is kept and retried.
 */
export class StoreSchemaError extends MetaqueueError {
  constructor(cause: unknown) {
    super(errorMessages.storeSchemaMismatch(describeError(cause)));
    this.cause = cause;
  }
}

/**
 * Thrown by a connector's `write()` when a record in the batch can never be
 * written: the broker halves the batch until it finds the record, keeps it
 * as a dead letter and writes the rest, instead of retrying.
 */
export class RecordRefusedError extends MetaqueueError {}

/** A `@MetaTask()` class that cannot be run, or a task the runner does not know. */
export class MetaTaskError extends MetaqueueError {}

/** Base class of the reasons a publish is rejected. */
export class PublishError extends MetaqueueError {
  constructor(
    readonly topic: string,
    message: string,
  ) {
    super(message);
  }
}

/** `name`, `location`, `context` or `data` cannot be stored exactly. */
export class InvalidMetadataError extends PublishError {
  constructor(
    topic: string,
    readonly field: string,
    problem: string,
  ) {
    super(topic, errorMessages.invalidMetadata(topic, field, problem));
  }
}

/** `data` does not match the topic's dtype. */
export class DataTypeError extends PublishError {
  constructor(
    topic: string,
    readonly expected: string,
    readonly received: string,
  ) {
    super(topic, errorMessages.wrongDataType(topic, expected, received));
  }
}

/** The queue is full and the topic's overflow policy is `error`. */
export class QueueFullError extends PublishError {
  constructor(
    topic: string,
    readonly capacity: number,
  ) {
    super(topic, errorMessages.queueFull(topic, capacity));
  }
}

/** The queue stayed full for the whole `blockTimeoutMs` of a blocking publish. */
export class PublishTimeoutError extends PublishError {
  constructor(
    topic: string,
    readonly timeoutMs: number,
  ) {
    super(topic, errorMessages.publishTimeout(topic, timeoutMs));
  }
}

/** Redis, where the records wait, cannot be reached, and the overflow policy is `error`. */
export class BufferUnavailableError extends PublishError {
  constructor(topic: string) {
    super(topic, errorMessages.bufferUnavailable(topic));
  }
}

/** Redis answered the record's append with an error (OOM, NOPERM, WRONGTYPE…), and the overflow policy is `error`. */
export class BufferRefusedError extends PublishError {
  constructor(
    topic: string,
    readonly refusal: Parameters<typeof errorMessages.bufferRefused>[1],
  ) {
    super(topic, errorMessages.bufferRefused(topic, refusal));
  }
}

/** A publish after the application began to shut down. */
export class EngineClosedError extends PublishError {
  constructor(topic: string) {
    super(topic, errorMessages.engineClosed(topic));
  }
}

/** `BrokerService.flush({ timeoutMs })` took longer; the flush itself goes on. */
export class FlushTimeoutError extends MetaqueueError {
  constructor(readonly timeoutMs: number) {
    super(errorMessages.flushTimeout(timeoutMs));
  }
}

/** The next retry of a write would end after the shutdown deadline; the records are counted unflushed. */
export class ShutdownDeadlineError extends MetaqueueError {
  constructor(readonly lastError: unknown) {
    super(errorMessages.shutdownDeadline());
  }
}

/** A read ran, or waited for a connection, longer than `reads.statementTimeoutMs`. */
export class ReadTimeoutError extends MetaqueueError {}

/** A read stopped because whoever asked for it went away. */
export class ReadCancelledError extends MetaqueueError {
  constructor() {
    super(httpMessages.readCancelled());
  }
}
