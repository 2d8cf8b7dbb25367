import { Logger } from '@nestjs/common';
import {
  BufferRefusedError,
  BufferUnavailableError,
  DataTypeError,
  EngineClosedError,
  PublishTimeoutError,
  QueueFullError,
} from '../errors/metaqueue.errors.js';
import { MetaQueue, type MetaQueueFor } from '../queue/meta-queue.js';
import { describeType } from '../utils/describe-type.util.js';
import { logMessages } from '../metaqueue.messages.js';
import { describeError } from '../errors/describe-error.util.js';
import { Listeners } from '../utils/listeners.util.js';
import { createCounters } from './engine-counters.js';
import type { DropListener, EngineCounters } from './engine-counters.interface.js';
import { assertMetadataFields, encodeData } from './metadata-encoder.js';
import type { Metadata, MetadataRecord, PublishedMetadata } from '../record/metadata.interface.js';
import { runScope, type RunScope } from './run-scope.js';
import type { IntakeOutcome, RecordIntake } from '../buffer/record-intake.interface.js';
import { assertTopic } from './topic.js';
import { newRecordId } from '../record/record-id.js';
import { sharedDate } from '../utils/shared-date.util.js';

/**
 * Publishes one topic's metadata into its queue: the seed's
 * `MetadataEngine(topic, queue)`. A plain class: `MetaqueueModule` makes one
 * per topic, and it works the same without Nest.
 */
export class MetadataEngine<T = unknown> {
  private static readonly logger = new Logger('MetadataEngine');
  private readonly stats: EngineCounters = createCounters();
  // A listener must not turn a publish that went through into an error.
  private readonly dropListeners = new Listeners<Parameters<DropListener<T>>>((error) =>
    MetadataEngine.logger.warn(logMessages.dropListenerFailed(this.topic, describeError(error))),
  );

  constructor(
    readonly topic: string,
    // Compiles only with a queue whose dtype admits a T: a `MetadataEngine<number>` over a
    // `dtype: 'string'` queue is a type error, and without <T> the engine takes the queue's type.
    readonly queue: MetaQueueFor<T> = new MetaQueue(),
    /** Where publishes go, made by the buffer: by default the queue itself. */
    private readonly intake: RecordIntake = queue as RecordIntake,
  ) {
    assertTopic(topic);
  }

  /** Records queued now. */
  get size(): number {
    return this.queue.size;
  }

  get capacity(): number {
    return this.queue.capacity;
  }

  /** A snapshot of what became of every publish so far. */
  get counters(): EngineCounters {
    const { dropped, rejected } = this.stats;
    return { ...this.stats, dropped: { ...dropped }, rejected: { ...rejected } };
  }

  /**
   * Validates, stamps and offers a record to its intake; the seed's
   * `publish_to_topic`. Resolves to the stamped record once the buffer has
   * it, or to `undefined` when the overflow policy dropped it before that;
   * rejects with a `PublishError` saying why. In a scheduled task's run,
   * `context` may be left out: it is then the run's id.
   */
  publish(metadata: Metadata<T> | PublishedMetadata<T>): Promise<MetadataRecord<T> | undefined> {
    this.stats.published++;
    // One lookup of the scheduled run under way, if any, for the whole publish.
    const run = runScope.getStore();
    let record: MetadataRecord<T>;
    try {
      record = this.stamp(inRun(metadata, run));
    } catch (error) {
      this.stats.rejected.invalid++;
      return rejectedWith(error);
    }
    const offered = this.intake.offer(record, this.onEvicted);
    // Not an async function: most offers are answered at once, and its frame cost 192 of a publish's 801 bytes.
    if (typeof offered === 'string' || 'refused' in offered) {
      try {
        return Promise.resolve(this.outcome(record, offered, run));
      } catch (error) {
        return rejectedWith(error);
      }
    }
    // Counted as waiting until this publish settles, so the buckets always add up.
    this.stats.waiting++;
    return offered.then((outcome) => {
      this.stats.waiting--;
      return this.outcome(record, outcome, run);
    });
  }

  /** What the intake's answer makes of a publish: its record, `undefined` if dropped, or the error. */
  private outcome(
    record: MetadataRecord<T>,
    outcome: IntakeOutcome,
    run: RunScope | undefined,
  ): MetadataRecord<T> | undefined {
    if (typeof outcome === 'object') {
      this.stats.rejected.refused++;
      throw new BufferRefusedError(this.topic, outcome.refused);
    }
    switch (outcome) {
      case 'accepted':
        this.stats.accepted++;
        if (run !== undefined) run.published++;
        return record;
      case 'dropped-oldest':
        // The new record is in and an accepted one is out (counted by onEvicted): accepted stays level.
        if (run !== undefined) run.published++;
        return record;
      case 'evicted':
        // Pushed out by drop-oldest before it was written: this publish counts it.
        this.stats.dropped['drop-oldest']++;
        this.dropListeners.notify(record, 'drop-oldest');
        return undefined;
      case 'dropped-newest':
        this.stats.dropped['drop-newest']++;
        this.dropListeners.notify(record, 'drop-newest');
        return undefined;
      case 'full':
        this.stats.rejected['queue-full']++;
        throw new QueueFullError(this.topic, this.queue.capacity);
      case 'timeout':
        this.stats.rejected.timeout++;
        throw new PublishTimeoutError(this.topic, this.queue.blockTimeoutMs!);
      case 'closed':
        this.stats.rejected.closed++;
        throw new EngineClosedError(this.topic);
      case 'unavailable':
        this.stats.rejected.unavailable++;
        throw new BufferUnavailableError(this.topic);
    }
  }

  /**
   * Calls `listener` with every record the overflow policy drops, and why:
   * with `drop-newest` the record just published (its publish resolves to
   * `undefined`), with `drop-oldest` the accepted record pushed out for it.
   * Returns how to stop listening.
   */
  onDropped(listener: DropListener<T>): () => void {
    return this.dropListeners.add(listener);
  }

  /** Removes and returns up to `max` queued records, oldest first: the broker's side. */
  take(max?: number): MetadataRecord<T>[] {
    // Only this engine offers into its queue, so it holds this engine's records.
    return this.queue.take(max) as MetadataRecord<T>[];
  }

  /** Rejects every later publish, and those waiting for space, with `EngineClosedError`. */
  close(): void {
    this.queue.close();
    this.intake.close();
  }

  private readonly onEvicted = (evicted: MetadataRecord): void => {
    this.stats.dropped['drop-oldest']++;
    this.dropListeners.notify(evicted as MetadataRecord<T>, 'drop-oldest');
  };

  private stamp(metadata: Metadata<T>): MetadataRecord<T> {
    assertMetadataFields(this.topic, metadata);
    const { data, name, location, context } = metadata;
    const dtype = this.queue.dtype;
    if (!dtype.accepts(data)) {
      throw new DataTypeError(this.topic, dtype.description, describeType(data));
    }
    const ms = Date.now();
    return {
      id: newRecordId(ms),
      topic: this.topic,
      name,
      location,
      context,
      data,
      json: encodeData(this.topic, data, dtype.isClass),
      publishedAt: sharedDate(ms),
    };
  }
}

/** A promise rejected with what was thrown, as an async function's is. */
function rejectedWith(error: unknown): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the thrown value itself, whatever it is
  return Promise.reject(error);
}

/** The metadata, with the run's id as `context` if a run left it out. */
function inRun<T>(
  metadata: Metadata<T> | PublishedMetadata<T>,
  run: RunScope | undefined,
): Metadata<T> {
  if (run === undefined) return metadata as Metadata<T>;
  if (typeof metadata !== 'object' || metadata === null || metadata.context !== undefined) {
    return metadata as Metadata<T>;
  }
  return { ...metadata, context: run.runId };
}
