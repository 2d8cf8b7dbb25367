import type { SourceBatch } from './record-source.interface.js';

/** The batches a source handed out, each until every sink has acknowledged it. */
export class InFlightBatches {
  /** Records in batches some sink has not acknowledged. */
  records = 0;
  private readonly unacknowledged = new Map<SourceBatch, number>();

  add(batch: SourceBatch, sinks: number): void {
    this.unacknowledged.set(batch, sinks);
    this.records += batch.records.length;
  }

  /** One sink has the batch; the last one lets it go. */
  acknowledge(batch: SourceBatch): void {
    const left = this.unacknowledged.get(batch);
    if (left === undefined) return;
    if (left > 1) {
      this.unacknowledged.set(batch, left - 1);
      return;
    }
    this.unacknowledged.delete(batch);
    this.records -= batch.records.length;
  }
}
