import type { RecordOwnership } from './replay-guard.interface.js';
import type { MetadataRecord } from '../record/metadata.interface.js';
import type { BufferStats } from '../broker/broker-stats.interface.js';
import type { StreamStats } from './redis/stream-stats.interface.js';

/** Records a source handed out together; each sink acknowledges it once it has them. */
export interface SourceBatch {
  readonly records: readonly MetadataRecord[];
  /**
   * The records each sink named gets, when they differ: after a restart a
   * durable source knows that one sink already has some that another still
   * needs. A sink not named gets them all.
   */
  readonly forSink?: ReadonlyMap<string, readonly MetadataRecord[]>;
}

/** Hands out, batch by batch, what waited in a source when the reader was made. */
export interface BatchReader {
  /** The next batch of at most the reader's size, or `undefined` when the pass is done. */
  next(): Promise<SourceBatch | undefined>;
}

/**
 * Where accepted records wait until every sink has them: the engines' queues
 * in memory, and in time a disk log or a stream. The broker reads batches,
 * hands each to every sink, and each sink acknowledges it under its own name
 * once written. A source forgets a record only when every sink has
 * acknowledged it, so a durable source keeps one position per sink.
 */
export interface RecordSource {
  /** Records waiting to be read. */
  readonly waiting: number;
  /** Records read and not yet acknowledged by every sink. */
  readonly inFlight: number;
  /** A durable source's own figures. */
  readonly stats?: BufferStats;
  /** Names the sinks that will acknowledge; called once, before the first read. */
  start(sinks: readonly string[]): Promise<void>;
  /** Calls `listener` whenever `threshold` or more records wait, so a flush can start early. */
  watch(threshold: number, listener: () => void): void;
  /** A reader of what waits now; later records wait for the next reader. */
  reader(maxBatchSize: number): BatchReader;
  /** `sink` has the batch: written, dead-lettered, or dropped by its own bound. */
  acknowledge(sink: string, batch: SourceBatch): void;
  /** Closes intake: later publishes are refused; what waits can still be read. */
  close(): void;
  /** After the last read and acknowledgement: frees what a durable source holds (files, a lock). */
  release?(): Promise<void>;
  /**
   * Where a durable source keeps what no sink has yet across a restart, for
   * log lines (never with credentials); unset for memory, which keeps nothing.
   */
  readonly keptIn?: string;
  /** `false` while the place records wait in (Redis) cannot be reached; unset for memory. */
  readonly available?: boolean;
  /**
   * For a connector that keeps its own copy across a crash: a source a fleet
   * shares (Redis) settles which worker's copy keeps a record read twice.
   * Unset for memory and disk, whose one process reads each record once.
   */
  ownership?(sink: string): RecordOwnership;
  /** Each stream's length, and each group's pending entries and lag (Redis only), for `/metrics`. */
  streamStats?(): Promise<StreamStats[]>;
}
