// Plain JavaScript: it runs on the series-merge worker thread
// (series-merge.worker.mjs), which loads its files as they are, from the
// sources in tests as from the built package. Types: series-merge.d.mts.

import { SampleBytes } from './sample-bytes.mjs';

/**
 * One family's spooled lines (its `# TYPE` line, then samples in the order
 * they were written, each with its record's `id` first), taken in as they
 * come, and given back as OpenMetrics wants the family: the `id` label gone
 * (unless kept), each series' samples together and in time order, and the
 * samples that meet in one series and one millisecond merged into one by
 * `rule`, since a reader keeps one sample per series and timestamp:
 * - `last`: the value of the record written last (the sort is stable);
 * - `sum`: the sum of their values, added in the order they were written;
 * - `max`: the largest value.
 * A sample is kept as three numbers in the order taken in (its series, its
 * millisecond, its value), not as its line, so a live spool's family is held
 * in a fraction of its bytes; the samples are sorted into their series only
 * when rendered. No I/O, no clock.
 */
export class FamilySeries {
  constructor({ rule, keepId }) {
    this.rule = rule;
    this.keepId = keepId;
    this.header = [];
    /** Series in the order each first came: each its key, and the next of its hash's chain (`add`). */
    this.series = [];
    /** The number of the last series of each hash of a key; the others are chained by `next`. */
    this.byHash = new Map();
    /** Three numbers a sample: series number, millisecond, value (NaN: see `texts`). */
    this.samples = new Float64Array(3 * 1024);
    this.length = 0;
    /** Values kept as their text, by their sample's index. */
    this.texts = new Map();
  }

  /** Takes in whole spooled lines, as bytes (UTF-8: no byte of a longer character is ASCII). */
  add(spooled) {
    for (let start = 0; start < spooled.length;) {
      let end = spooled.indexOf(newline, start);
      if (end === -1) end = spooled.length;
      if (end === start) {
        start = end + 1;
        continue;
      }
      if (spooled[start] === hash) {
        this.header.push(spooled.toString('utf8', start, end));
        start = end + 1;
        continue;
      }
      // Value and timestamp are the last two fields; label values may hold spaces, these never do.
      const t = spooled.lastIndexOf(space, end - 1);
      const v = spooled.lastIndexOf(space, t - 1);
      const number = this.seriesOf(spooled, start, v);
      const value = valueAt(spooled, v + 1, t);
      this.reserve(3);
      if (typeof value === 'string') this.texts.set(this.length / 3, value);
      this.samples[this.length++] = number;
      this.samples[this.length++] = millisecondsAt(spooled, t + 1, end);
      this.samples[this.length++] = typeof value === 'string' ? NaN : value;
      start = end + 1;
    }
    return this;
  }

  /**
   * Takes in a batch as numbers (`NumberedBatch`): the keys of its new
   * series, numbered on from the last, and three numbers a sample, kept as
   * they come. Used only alone: a series numbered here is not one `add`
   * could find. Returns false, taking nothing in, if earlier batches'
   * series were never told here (a thread started after the file did).
   */
  addNumbered({ header, firstKey, keys, samples }) {
    if (firstKey !== this.series.length) return false;
    // Kept as `add` keeps a line: without its newline.
    if (header !== undefined) this.header.push(header.slice(0, -1));
    for (const prefix of keys) this.series.push({ prefix, next: undefined });
    this.reserve(samples.length);
    this.samples.set(samples, this.length);
    this.length += samples.length;
    return true;
  }

  /**
   * The number of the series of the line's labels `bytes[start, end)`, less
   * the id (unless kept): `name{id="…",a="x"}` is `name{a="x"}`,
   * `name{id="…"}` is `name`. Found by a hash of its bytes where they stand:
   * a key of its own is made only for a new series.
   */
  seriesOf(bytes, start, end) {
    let headEnd = end;
    let tail = end;
    // A metric name has no brace: the first one opens the labels, the id first.
    const open = this.keepId ? -1 : bytes.indexOf(openBrace, start);
    // An id is a UUID: no quote inside it.
    const after = open !== -1 && opensId(bytes, open) ? bytes.indexOf(quote, open + 5) + 1 : 0;
    // A line with no id where it should be (not one this spool wrote) is a series as it stands.
    if (after > 0 && after < end) {
      const alone = bytes[after] === closeBrace;
      headEnd = alone ? open : open + 1;
      tail = alone ? end : after + 1;
    }
    let h = fnvOffset;
    for (let i = start; i < headEnd; i++) h = Math.imul(h ^ bytes[i], fnvPrime);
    for (let i = tail; i < end; i++) h = Math.imul(h ^ bytes[i], fnvPrime);
    const first = this.byHash.get(h);
    for (let number = first; number !== undefined; number = this.series[number].next) {
      if (sameKey(this.series[number].prefix, bytes, start, headEnd, tail, end)) return number;
    }
    // The key and its space, in a buffer of its own: a view would hold the whole batch.
    const prefix = Buffer.allocUnsafeSlow(headEnd - start + (end - tail) + 1);
    bytes.copy(prefix, 0, start, headEnd);
    bytes.copy(prefix, headEnd - start, tail, end);
    prefix[prefix.length - 1] = space;
    const number = this.series.length;
    this.series.push({ prefix, next: first });
    this.byHash.set(h, number);
    return number;
  }

  /**
   * Writes the family as the file holds it through `write`, a chunk at a
   * time (each chunk is reused once `write` returns), and returns how many
   * samples were merged into another.
   */
  render(write) {
    const out = new SampleBytes(chunkBytes, write);
    for (const line of this.header) out.ascii(`${line}\n`);
    const { samples } = this;
    const { starts, order } = this.bySeries();
    let merged = 0;
    this.series.forEach(({ prefix }, number) => {
      const to = starts[number + 1];
      sortByTime(order, starts[number], to, samples);
      for (let i = starts[number]; i < to;) {
        const ms = samples[order[i] * 3 + 1];
        let value = this.valueText(order[i]);
        let j = i + 1;
        for (; j < to && samples[order[j] * 3 + 1] === ms; j++) {
          value = mergeValues[this.rule](value, this.valueText(order[j]));
          merged++;
        }
        out.bytes(prefix);
        out.ascii(value);
        out.time(ms);
        i = j;
      }
    });
    out.end();
    return merged;
  }

  /**
   * The samples' indexes, series by series in number order and in the order
   * taken in within each (a counting sort), and where each series' indexes
   * start in it (one more: the end).
   */
  bySeries() {
    const { samples, length, series } = this;
    const starts = new Uint32Array(series.length + 1);
    for (let at = 0; at < length; at += 3) starts[samples[at] + 1]++;
    for (let number = 0; number < series.length; number++) starts[number + 1] += starts[number];
    const next = starts.slice();
    const order = new Uint32Array(length / 3);
    for (let at = 0; at < length; at += 3) order[next[samples[at]]++] = at / 3;
    return { starts, order };
  }

  /** The value of sample `index`, as written: its number's text, or the text kept for it. */
  valueText(index) {
    const value = this.samples[index * 3 + 2];
    return Number.isNaN(value) ? this.texts.get(index) : String(value);
  }

  /** Makes room for `numbers` more. */
  reserve(numbers) {
    if (this.length + numbers <= this.samples.length) return;
    const bigger = new Float64Array(Math.max(this.samples.length * 2, this.length + numbers));
    bigger.set(this.samples.subarray(0, this.length));
    this.samples = bigger;
  }
}

const hash = '#'.charCodeAt(0);
const minus = '-'.charCodeAt(0);
const dot = '.'.charCodeAt(0);
const zero = '0'.charCodeAt(0);
const space = ' '.charCodeAt(0);
const newline = '\n'.charCodeAt(0);
const quote = '"'.charCodeAt(0);
const openBrace = '{'.charCodeAt(0);
const fnvOffset = 0x811c9dc5;
const fnvPrime = 0x01000193;

/** Whether the brace at `open` opens an id label: `{id="`. */
function opensId(bytes, open) {
  for (let i = 1; i < idLabel.length; i++) if (bytes[open + i] !== idLabel[i]) return false;
  return true;
}

const idLabel = Buffer.from('{id="');

/** Whether `prefix` (a key and its space) is `bytes[start, headEnd)` followed by `bytes[tail, end)`. */
function sameKey(prefix, bytes, start, headEnd, tail, end) {
  if (prefix.length - 1 !== headEnd - start + (end - tail)) return false;
  let k = 0;
  for (let i = start; i < headEnd; i++) if (prefix[k++] !== bytes[i]) return false;
  for (let i = tail; i < end; i++) if (prefix[k++] !== bytes[i]) return false;
  return true;
}

/**
 * The time `bytes[from, to)` in milliseconds: the spool writes
 * `<seconds>.<3 digits>`, read here digit by digit; anything else is read as
 * a number.
 */
function millisecondsAt(bytes, from, to) {
  const negative = bytes[from] === minus;
  const first = negative ? from + 1 : from;
  let ms = 0;
  let i = first;
  for (; i < to - 4; i++) {
    const digit = bytes[i] - zero;
    if (digit < 0 || digit > 9) break;
    ms = ms * 10 + digit;
  }
  if (i !== to - 4 || i === first || bytes[i] !== dot) return asNumber(bytes, from, to);
  for (i++; i < to; i++) {
    const digit = bytes[i] - zero;
    if (digit < 0 || digit > 9) return asNumber(bytes, from, to);
    ms = ms * 10 + digit;
  }
  return negative ? -ms : ms;
}

function asNumber(bytes, from, to) {
  return Math.round(Number(bytes.toString('latin1', from, to)) * 1000);
}

/**
 * A value as kept: as the number, if it reads back as the same text (an
 * integer up to 15 digits, read digit by digit, is what most data is; a
 * float's JSON too); anything else as its text.
 */
function valueAt(bytes, from, to) {
  const negative = bytes[from] === minus;
  const first = negative ? from + 1 : from;
  const digits = to - first;
  // JSON writes no leading zero, and `-0` as `0`: such text is kept as it is.
  if (digits > 0 && digits <= 15 && (bytes[first] !== zero || digits === 1)) {
    let value = 0;
    let i = first;
    for (; i < to; i++) {
      const digit = bytes[i] - zero;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    if (i === to && !(negative && value === 0)) return negative ? -value : value;
  }
  const text = bytes.toString('utf8', from, to);
  const value = Number(text);
  // NaN marks a value kept as its text (`FamilySeries.samples`).
  return String(value) === text && !Number.isNaN(value) ? value : text;
}

/** Bytes handed on at a time: one chunk is reused, so a family of any size costs this much memory. */
const chunkBytes = 1 << 20;

/**
 * Sorts `order[from, to)`, sample indexes, by their milliseconds; equal
 * times keep the order taken in. Most series come in time order: looked at first.
 */
function sortByTime(order, from, to, samples) {
  let sorted = true;
  for (let i = from + 1; i < to && sorted; i++) {
    sorted = samples[order[i - 1] * 3 + 1] <= samples[order[i] * 3 + 1];
  }
  if (sorted) return;
  order.subarray(from, to).sort((a, b) => samples[a * 3 + 1] - samples[b * 3 + 1] || a - b);
}

/** Each rule on two values as written; a value is kept as written whenever it is chosen whole. */
const mergeValues = {
  last: (_, next) => next,
  sum: (kept, next) => formatValue(parseValue(kept) + parseValue(next)),
  max: (kept, next) => (parseValue(next) > parseValue(kept) ? next : kept),
};

/** A value as written: a record's JSON number, or a sum's infinity. */
function parseValue(text) {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** A number as OpenMetrics writes it: a sum may overflow to infinity. */
function formatValue(value) {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

const closeBrace = '}'.charCodeAt(0);
