// Plain JavaScript: the series-merge worker thread loads it as it is
// (series-merge.mjs), and the spool's renderer on the app's thread uses it
// too (openmetrics-format.ts). Types: sample-bytes.d.mts.
import { GrowingBytes } from '../../utils/growing-bytes.mjs';

/**
 * OpenMetrics text written as bytes, ASCII a character at a time: a sample
 * is short numbers, a UUID and label values, which this encodes where it
 * stands. No string of a sample or of a batch is made, nor encoded, nor
 * collected: rendering a batch costs its bytes.
 *
 * The buffer grows as needed (see `GrowingBytes`); given `handOn`, it is
 * instead handed on whenever it is full and reused, so output of any size
 * costs one chunk.
 */
export class SampleBytes extends GrowingBytes {
  constructor(capacity = 16 * 1024, handOn = undefined) {
    super(capacity);
    this.handOn = handOn;
    /** The whole seconds last written, as text: a batch's samples mostly share them. */
    this.second = NaN;
    this.secondText = '';
  }

  /** Text as it is: ASCII in a number or an id; anything else is encoded whole, as UTF-8. */
  ascii(text) {
    this.reserve(text.length * 3);
    const { buffer } = this;
    let at = this.length;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 127) {
        this.length += buffer.write(text, this.length);
        return;
      }
      buffer[at++] = code;
    }
    this.length = at;
  }

  /** A label value, escaped as OpenMetrics wants: exactly backslash, double quote and newline. */
  label(value) {
    this.reserve(value.length * 3);
    const { buffer } = this;
    let at = this.length;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code > 127) {
        this.length += buffer.write(escapeLabelValue(value), this.length);
        return;
      }
      const escaped = escapes[code];
      if (escaped !== undefined) {
        buffer[at++] = backslash;
        buffer[at++] = escaped;
      } else buffer[at++] = code;
    }
    this.length = at;
  }

  /** ` <seconds>.<ms>` and the newline that ends a sample: milliseconds as Unix seconds, exactly. */
  time(ms) {
    // A time before 1970 is `-` and its distance from 0: -1 ms is `-0.001`.
    const whole = Math.floor(Math.abs(ms) / 1000);
    const second = ms < 0 ? -whole - 1 : whole;
    if (second !== this.second) {
      this.second = second;
      this.secondText = ` ${ms < 0 ? '-' : ''}${whole}`;
    }
    this.ascii(this.secondText);
    const milli = Math.abs(ms) % 1000;
    this.reserve(5);
    const { buffer } = this;
    buffer[this.length] = dot;
    buffer[this.length + 1] = zero + Math.floor(milli / 100);
    buffer[this.length + 2] = zero + (Math.floor(milli / 10) % 10);
    buffer[this.length + 3] = zero + (milli % 10);
    buffer[this.length + 4] = newline;
    this.length += 5;
  }

  /** Hands on what is written, if anything (with `handOn`). */
  end() {
    if (this.length > 0) this.handOn(this.written());
    this.length = 0;
  }

  /** Makes room for `bytes` more: grows, or hands the chunk on (a piece bigger than a chunk gets one its size). */
  reserve(bytes) {
    if (this.length + bytes <= this.buffer.length) return;
    if (!this.handOn) return super.reserve(bytes);
    this.end();
    if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafeSlow(bytes);
  }
}

/** OpenMetrics escapes exactly these three in label values. */
function escapeLabelValue(value) {
  if (!needsEscape.test(value)) return value;
  return value.replace(toEscape, (c) => labelEscapes[c]);
}

const needsEscape = /[\\"\n]/;
const toEscape = /[\\"\n]/g;
const labelEscapes = { '\\': '\\\\', '"': '\\"', '\n': '\\n' };

const backslash = '\\'.charCodeAt(0);
const dot = '.'.charCodeAt(0);
const zero = '0'.charCodeAt(0);
const newline = '\n'.charCodeAt(0);
/** By character code: what follows the backslash of an escaped character. */
const escapes = [];
escapes[backslash] = backslash;
escapes['"'.charCodeAt(0)] = '"'.charCodeAt(0);
escapes[newline] = 'n'.charCodeAt(0);
