import type { EngineRegistry } from '../../engine/engine.registry.js';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import type { BatchReader, RecordSource, SourceBatch } from '../record-source.interface.js';
import { InFlightBatches } from '../in-flight-batches.js';
import { RoundRobinBatcher } from './round-robin-batcher.js';

/**
 * The engines' in-memory queues as a source. A record leaves its queue when
 * it is read, which lets a blocked publish in; until every sink has
 * acknowledged it, it is counted in flight, held only by the sinks' channels.
 * Nothing survives the process: see the README's Guarantees.
 */
export class MemoryRecordSource implements RecordSource {
  private readonly batcher = new RoundRobinBatcher<MetadataRecord>();
  private readonly inFlightBatches = new InFlightBatches();
  private sinks = 0;

  constructor(private readonly engines: EngineRegistry) {}

  get waiting(): number {
    return this.engines.getAll().reduce((n, engine) => n + engine.size, 0);
  }

  get inFlight(): number {
    return this.inFlightBatches.records;
  }

  start(sinks: readonly string[]): Promise<void> {
    this.sinks = sinks.length;
    return Promise.resolve();
  }

  watch(threshold: number, listener: () => void): void {
    for (const engine of this.engines.getAll()) engine.queue.watchBacklog(threshold, listener);
  }

  reader(maxBatchSize: number): BatchReader {
    const nextRecords = this.batcher.pass(this.engines.getAll(), maxBatchSize);
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
    for (const engine of this.engines.getAll()) engine.close();
  }
}
