import type { FileHandle } from 'node:fs/promises';
import { segmentChunkBytes } from './log-directory.js';
import {
  checkFrame,
  frameOpeningBytes,
  logFormat,
  opensFrame,
  readFrame,
  type FrameCheck,
  type FrameRead,
} from './log-format.js';

/** A stretch of a segment: a whole frame, or damage up to the next whole frame. */
export interface SegmentSpan {
  kind: 'frame' | 'damage';
  offset: number;
  bytes: number;
}

/**
 * Walks the frames of one segment, up to `size`, through one chunk of
 * `segmentChunkBytes`: memory stays the same whatever the segment's length,
 * and only a frame longer than the chunk (at most `logFormat.maxPayloadBytes`)
 * is read on its own. Recovery and the reader use it to find whole frames
 * past damage.
 */
export class SegmentScanner {
  private readonly chunk = Buffer.allocUnsafe(segmentChunkBytes);
  /** The part of `chunk` read, and the segment offset it starts at. */
  private bytes = this.chunk.subarray(0, 0);
  private bytesAt = 0;

  constructor(
    private readonly file: FileHandle,
    /** Where the segment's frames end: its size, or the writer's end in it. */
    private readonly size: number,
    private readonly version: number,
  ) {}

  /** Where the run of whole frames from `from` ends: at a frame that is not whole, or at `size`. */
  async endOfWholeFrames(from: number): Promise<number> {
    let at = from;
    for (;;) {
      const view = await this.view(at, Math.min(this.chunk.length, this.size - at));
      let i = view.at;
      let frame = checkFrame(view.bytes, i, this.version);
      while (frame.kind === 'whole') {
        i += frame.bytes;
        frame = checkFrame(view.bytes, i, this.version);
      }
      at += i - view.at;
      if (frame.kind === 'corrupt') return at;
      // Short: the chunk ends inside this frame; it is whole only if the segment holds it.
      const whole = await this.checkAt(at);
      if (whole.kind !== 'whole') return at;
      at += whole.bytes;
    }
  }

  /** The frame at `offset`, its record decoded. */
  async readAt(offset: number): Promise<FrameRead> {
    const frame = await this.checkAt(offset);
    if (frame.kind !== 'whole') return frame;
    const view = await this.view(offset, frame.bytes);
    return readFrame(view.bytes, view.at, this.version);
  }

  /**
   * The offset of the next whole frame at or after `from`, if any: past
   * damage. Each byte costs a look at a frame's opening; only one that opens
   * like a frame has its CRC checked, so the scan is linear in the bytes read.
   */
  async nextWholeFrame(from: number): Promise<number | undefined> {
    const opening = frameOpeningBytes(this.version);
    let at = from;
    while (at + opening <= this.size) {
      const view = await this.view(at, Math.min(this.chunk.length, this.size - at));
      const held = view.bytes.length - view.at;
      // Fewer bytes than the size promised: the file was cut meanwhile.
      if (held < opening) return undefined;
      const last = view.at + held - opening;
      let i = view.at;
      while (i <= last && !opensFrame(view.bytes, i, this.version, this.size - (at + i - view.at)))
        i++;
      if (i > last) {
        at += last - view.at + 1;
        continue;
      }
      const candidate = at + (i - view.at);
      if ((await this.checkAt(candidate)).kind === 'whole') return candidate;
      at = candidate + 1;
    }
    return undefined;
  }

  /**
   * Each whole frame from `from` to `size`, and each damaged stretch between
   * them as the reader skips it: from a frame that is not whole to the next
   * whole frame, or to `size`. Reads only; linear in the bytes read.
   */
  async *spans(from: number): AsyncGenerator<SegmentSpan> {
    let at = from;
    while (at < this.size) {
      const frame = await this.checkAt(at);
      if (frame.kind === 'whole') {
        yield { kind: 'frame', offset: at, bytes: frame.bytes };
        at += frame.bytes;
        continue;
      }
      const next = (await this.nextWholeFrame(at + 1)) ?? this.size;
      yield { kind: 'damage', offset: at, bytes: next - at };
      at = next;
    }
  }

  private async checkAt(offset: number): Promise<FrameCheck> {
    if (offset + logFormat.frameHeaderBytes > this.size) return { kind: 'short' };
    const header = await this.view(offset, logFormat.frameHeaderBytes);
    const length = header.bytes.readUInt32LE(header.at);
    if (length === 0 || length > logFormat.maxPayloadBytes) return { kind: 'corrupt' };
    const bytes = logFormat.frameHeaderBytes + length;
    if (offset + bytes > this.size) return { kind: 'short' };
    const frame = await this.view(offset, bytes);
    return checkFrame(frame.bytes, frame.at, this.version);
  }

  /** The segment's bytes `[offset, offset + length)`, at `at` of `bytes`: from the chunk, read into it if need be. */
  private async view(offset: number, length: number): Promise<{ bytes: Buffer; at: number }> {
    const at = offset - this.bytesAt;
    if (at >= 0 && at + length <= this.bytes.length) return { bytes: this.bytes, at };
    if (length > this.chunk.length) {
      const own = Buffer.allocUnsafe(length);
      const { bytesRead } = await this.file.read(own, 0, length, offset);
      return { bytes: own.subarray(0, bytesRead), at: 0 };
    }
    const span = Math.min(this.chunk.length, Math.max(0, this.size - offset));
    const { bytesRead } = await this.file.read(this.chunk, 0, span, offset);
    this.bytes = this.chunk.subarray(0, bytesRead);
    this.bytesAt = offset;
    return { bytes: this.bytes, at: 0 };
  }
}
