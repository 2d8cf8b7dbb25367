import type { MetadataRecord } from '../../record/metadata.interface.js';
import { InFlightBatches } from '../in-flight-batches.js';
import type { BatchReader, RecordSource, SourceBatch } from '../record-source.interface.js';
import type { ReplayGuard } from '../replay-guard.interface.js';
import { SkipFileGuard } from '../skip-file-guard.js';
import type { SourceReport } from '../source-report.interface.js';
import type { TopicQueues } from '../topic-queues.js';
import { RoundRobinBatcher } from './round-robin-batcher.js';

/**
 * The topics' in-memory queues as a source. A record leaves its queue when
 * it is read, which lets a blocked publish in; until every sink has
 * acknowledged it, it is counted in flight, held only by the sinks' channels.
 * Nothing survives the process: see the README's Guarantees.
 */
export class MemoryRecordSource implements RecordSource {
  private readonly batcher = new RoundRobinBatcher<MetadataRecord>();
  private readonly inFlightBatches = new InFlightBatches();
  private sinks = 0;

  constructor(private readonly queues: TopicQueues) {}

  get waiting(): number {
    return this.queues.size;
  }

  get inFlight(): number {
    return this.inFlightBatches.records;
  }

  start(sinks: readonly string[]): Promise<void> {
    this.sinks = sinks.length;
    return Promise.resolve();
  }

  watch(threshold: number, listener: () => void): void {
    this.queues.watchBacklog(threshold, listener);
  }

  reader(maxBatchSize: number): BatchReader {
    const lanes = this.queues.all() as { size: number; take(max: number): MetadataRecord[] }[];
    const nextRecords = this.batcher.pass(lanes, maxBatchSize);
    return {
      next: () => {
        const records = nextRecords();
        if (records.length === 0) return Promise.resolve(undefined);
        const batch: SourceBatch = { records };
        this.inFlightBatches.add(batch, this.sinks);
        return Promise.resolve(batch);
      },
    };
  }

  acknowledge(_sink: string, batch: SourceBatch): void {
    this.inFlightBatches.acknowledge(batch);
  }

  close(): void {
    this.queues.close();
  }

  release(): Promise<void> {
    return Promise.resolve();
  }

  report(): SourceReport {
    return { reachable: true };
  }

  /** Nothing is read twice from memory; a copy a crash left is still skipped once (see `SkipFileGuard`). */
  replayGuard(_sink: string, copy: string): ReplayGuard {
    return new SkipFileGuard(copy);
  }
}
