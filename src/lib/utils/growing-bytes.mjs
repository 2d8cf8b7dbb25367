// Plain JavaScript: the series-merge worker thread loads what extends it as
// it is (sample-bytes.mjs). Types: growing-bytes.d.mts.

/**
 * Bytes written into one buffer that grows when it must (each growth copies
 * it), so what is written is never a string to encode nor to collect. Never
 * from Node's shared pool: the bytes may be transferred to another thread.
 * The OpenMetrics file's samples and the store's COPY rows are written so.
 */
export class GrowingBytes {
  constructor(capacity = 0) {
    this.buffer = Buffer.allocUnsafeSlow(capacity);
    this.length = 0;
  }

  bytes(bytes) {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** The bytes written, in a buffer of their own (fit to transfer). */
  written() {
    return this.buffer.subarray(0, this.length);
  }

  /** Makes room for `bytes` more, growing the buffer if it must. */
  reserve(bytes) {
    if (this.length + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }
}
