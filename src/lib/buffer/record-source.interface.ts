import type { MetadataRecord } from '../record/metadata.interface.js';
import type { ReplayGuard } from './replay-guard.interface.js';
import type { SourceReport } from './source-report.interface.js';

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
 * The broker's side of a buffer: where accepted records wait until every
 * sink has them (the topics' queues, a log on disk, or Redis streams). The
 * broker reads batches, hands each to every sink, and each sink acknowledges
 * it under its own name once written. A source forgets a record only when
 * every sink has acknowledged it, so a durable source keeps one position per
 * sink. The same contract suite runs against every source.
 */
export interface RecordSource {
  /** Records accepted here and not yet read. */
  readonly waiting: number;
  /** Records read and not yet acknowledged by every sink. */
  readonly inFlight: number;
  /** Names the sinks that will acknowledge; called once, before the first read. */
  start(sinks: readonly string[]): Promise<void>;
  /**
   * Calls `listener` whenever `threshold` or more records wait (in memory:
   * in one topic's queue), or a topic's queue or stream is full, so a flush
   * can start early.
   */
  watch(threshold: number, listener: () => void): void;
  /** A reader of what waits now; later records wait for the next reader. */
  reader(maxBatchSize: number): BatchReader;
  /** `sink` has the batch: written, dead-lettered, or dropped by its own bound. */
  acknowledge(sink: string, batch: SourceBatch): void;
  /** Closes intake: later publishes are refused; what waits can still be read. */
  close(): void;
  /**
   * The one shutdown path, after the last read and acknowledgement (and
   * without a start): frees what the source holds (files, a lock, a
   * connection). Idempotent.
   */
  release(): Promise<void>;
  /** What metrics, health and the shutdown log read. */
  report(): SourceReport;
  /** What keeps `sink`, which holds its own copy at `copy` (a path), from writing a replayed record twice. */
  replayGuard(sink: string, copy: string): ReplayGuard;
}
