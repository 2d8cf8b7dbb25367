import type { MetadataRecord } from '../../record/metadata.interface.js';
import { encodePayload, maxFrameBytes, writeFrame } from './log-format.js';

/** What the buffer starts at, and shrinks back to once a large batch is written. */
const initialBytes = 64 * 1024;

/**
 * The records the log writer took from the queues and has not written yet,
 * framed back to back in one reused buffer: one write of one slice per batch,
 * and no buffer allocated per record.
 */
export class PendingFrames {
  private buffer = Buffer.allocUnsafe(initialBytes);
  private records: MetadataRecord[] = [];
  /** Where each record's frame ends in `buffer`. */
  private ends: number[] = [];

  get count(): number {
    return this.records.length;
  }

  get bytes(): number {
    return this.ends.at(-1) ?? 0;
  }

  /** The bytes of the first `count` frames. */
  head(count: number): Buffer {
    return this.buffer.subarray(0, count > 0 ? this.ends[count - 1] : 0);
  }

  /** How many of the first frames end within the first `bytes`: those a short write left whole. */
  wholeFrames(bytes: number): number {
    let count = 0;
    while (count < this.ends.length && this.ends[count] <= bytes) count++;
    return count;
  }

  frameBytes(index: number): number {
    return this.ends[index] - (index > 0 ? this.ends[index - 1] : 0);
  }

  /** Frames `record` after the others. */
  push(record: MetadataRecord): void {
    const at = this.bytes;
    const payload = encodePayload(record);
    const needed = at + maxFrameBytes(payload);
    if (needed > this.buffer.length) this.grow(needed);
    this.ends.push(at + writeFrame(payload, this.buffer, at));
    this.records.push(record);
  }

  /** Takes back the frame pushed last: it did not fit. */
  pop(): void {
    this.ends.pop();
    this.records.pop();
  }

  /** Removes the first `count` records, which are written now, and returns them. */
  shift(count: number): MetadataRecord[] {
    const written = this.records.slice(0, count);
    const cut = this.ends[count - 1];
    this.records = this.records.slice(count);
    this.ends = this.ends.slice(count).map((end) => end - cut);
    if (this.records.length > 0) this.buffer.copy(this.buffer, 0, cut, cut + this.bytes);
    else if (this.buffer.length > initialBytes * 16) this.buffer = Buffer.allocUnsafe(initialBytes);
    return written;
  }

  private grow(needed: number): void {
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.bytes);
    this.buffer = grown;
  }
}
