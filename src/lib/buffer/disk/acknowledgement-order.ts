import { Deque } from '../../queue/deque.js';
import type { LogPosition } from './log-position.js';

interface Acknowledgement {
  readonly end: LogPosition;
  done: boolean;
}

/**
 * Each sink's acknowledgements, put back in the order its batches were
 * handed out. A sink may acknowledge a later batch first (a connector past
 * `maxConnectorBacklog` drops its oldest waiting batches while an earlier one
 * is still being written), and its ledger position must never pass a batch
 * it does not have yet: a crash would then skip it. Only positions are kept,
 * never a batch's records.
 */
export class AcknowledgementOrder {
  private readonly lines = new Map<string, Deque<Acknowledgement>>();
  private readonly ofBatch = new WeakMap<object, Map<string, Acknowledgement>>();

  constructor(sinks: readonly string[]) {
    for (const sink of sinks) this.lines.set(sink, new Deque());
  }

  /** Every sink will acknowledge `batch`, which ends at `end`, after the batches handed out before it. */
  handOut(batch: object, end: LogPosition): void {
    const acknowledgements = new Map<string, Acknowledgement>();
    for (const [sink, line] of this.lines) {
      const acknowledgement = { end, done: false };
      line.push(acknowledgement);
      acknowledgements.set(sink, acknowledgement);
    }
    this.ofBatch.set(batch, acknowledgements);
  }

  /** `sink` has `batch`: where it now has every batch up to, if that moved. */
  acknowledge(sink: string, batch: object): LogPosition | undefined {
    const acknowledgement = this.ofBatch.get(batch)?.get(sink);
    const line = this.lines.get(sink);
    if (!acknowledgement || !line) return undefined;
    acknowledgement.done = true;
    let upTo: LogPosition | undefined;
    while (line.peek()?.done) upTo = line.shift()!.end;
    return upTo;
  }
}
