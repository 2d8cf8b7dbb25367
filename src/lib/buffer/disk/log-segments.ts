import { logFormat } from './log-format.js';
import type { LogPosition } from './log-position.js';

/**
 * The log's segments, oldest first, with what is known of each: its size in
 * bytes and, for one an earlier version left, its format. Recovery fills it,
 * the writer's appends extend it, the reader walks it, and deleting a
 * segment removes it.
 */
export class LogSegments {
  private readonly numbers: number[] = [];
  private readonly sizes = new Map<number, number>();
  /** Segments left in an earlier format; the rest are in `logFormat.version`. */
  private readonly olderFormats = new Map<number, number>();

  get first(): number | undefined {
    return this.numbers[0];
  }

  get last(): number | undefined {
    return this.numbers.at(-1);
  }

  /** Bytes of every segment. */
  get bytes(): number {
    let bytes = 0;
    for (const size of this.sizes.values()) bytes += size;
    return bytes;
  }

  all(): readonly number[] {
    return this.numbers;
  }

  /** Sets the size of `segment`, added after the others if it is new. */
  resize(segment: number, size: number): void {
    if (!this.sizes.has(segment)) this.numbers.push(segment);
    this.sizes.set(segment, size);
  }

  sizeOf(segment: number): number | undefined {
    return this.sizes.get(segment);
  }

  setFormat(segment: number, version: number): void {
    if (version !== logFormat.version) this.olderFormats.set(segment, version);
  }

  formatOf(segment: number): number {
    return this.olderFormats.get(segment) ?? logFormat.version;
  }

  isCurrentFormat(segment: number): boolean {
    return !this.olderFormats.has(segment);
  }

  /** The segment after `segment`, if any. */
  after(segment: number): number | undefined {
    return this.numbers.find((s) => s > segment);
  }

  /**
   * The same place in the log, told as the start of the next segment when
   * it is the end of one the writer has left (or one gone): a sink there
   * has all of that segment, which may then be deleted.
   */
  normalize(position: LogPosition): LogPosition {
    const next = this.after(position.segment);
    if (next === undefined || position.offset < (this.sizeOf(position.segment) ?? 0)) {
      return position;
    }
    return { segment: next, offset: logFormat.headerBytes };
  }

  /** The last segment, emptied to `size` bytes, is segment `to` now: the writer reused its file. */
  renumberLast(to: number, size: number): void {
    const from = this.numbers.pop()!;
    this.sizes.delete(from);
    this.olderFormats.delete(from);
    this.resize(to, size);
  }

  /** Forgets the segments before `keep`, never the last; returns each with its size. */
  dropBefore(keep: number): { segment: number; bytes: number }[] {
    const dropped = [];
    while (this.numbers.length > 1 && this.numbers[0] < keep) {
      const segment = this.numbers.shift()!;
      dropped.push({ segment, bytes: this.sizes.get(segment) ?? 0 });
      this.sizes.delete(segment);
      this.olderFormats.delete(segment);
    }
    return dropped;
  }
}
