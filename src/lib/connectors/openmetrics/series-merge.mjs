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
 * A sample is kept as its millisecond and its value, not its line, so a
 * live spool's family is held in a fraction of its bytes. No I/O, no clock.
 */
export class FamilySeries {
  constructor({ rule, keepId }) {
    this.rule = rule;
    this.keepId = keepId;
    this.header = [];
    /** Series in the order each first came. */
    this.series = [];
    /** Series by a hash of their key; those that share one are chained by `next`. */
    this.byHash = new Map();
  }

  /** Takes in whole spooled lines. */
  add(spooled) {
    for (let start = 0; start < spooled.length;) {
      let end = spooled.indexOf('\n', start);
      if (end === -1) end = spooled.length;
      if (end === start) {
        start = end + 1;
        continue;
      }
      if (spooled.charCodeAt(start) === hash) {
        this.header.push(spooled.slice(start, end));
        start = end + 1;
        continue;
      }
      // Value and timestamp are the last two fields; label values may hold spaces, these never do.
      const t = spooled.lastIndexOf(' ', end - 1);
      const v = spooled.lastIndexOf(' ', t - 1);
      const series = this.seriesOf(spooled, start, v);
      const ms = millisecondsAt(spooled, t + 1, end);
      if (series.ms.length > 0 && ms < series.ms[series.ms.length - 1]) series.inOrder = false;
      series.ms.push(ms);
      series.values.push(ownValue(spooled.slice(v + 1, t)));
      start = end + 1;
    }
    return this;
  }

  /**
   * The series of the line's labels `text[start, end)`, less the id (unless
   * kept): `name{id="…",a="x"}` is `name{a="x"}`, `name{id="…"}` is `name`.
   * Found by a hash of its characters where they stand: a string of the key
   * is made only for a new series.
   */
  seriesOf(text, start, end) {
    let headEnd = end;
    let tail = end;
    if (!this.keepId) {
      const open = text.indexOf('{id="', start);
      // An id is a UUID: no quote inside it.
      const after = text.indexOf('"', open + 5) + 1;
      const alone = text.charCodeAt(after) === closeBrace;
      headEnd = alone ? open : open + 1;
      tail = alone ? end : after + 1;
    }
    let h = fnvOffset;
    for (let i = start; i < headEnd; i++) h = Math.imul(h ^ text.charCodeAt(i), fnvPrime);
    for (let i = tail; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), fnvPrime);
    const first = this.byHash.get(h);
    for (let series = first; series; series = series.next) {
      if (sameKey(series.key, text, start, headEnd, tail, end)) return series;
    }
    const key = text.slice(start, headEnd) + text.slice(tail, end);
    // Its own copy of the key: a slice would hold the whole batch it came in.
    const prefix = Buffer.from(`${key} `);
    const series = {
      key: prefix.toString('utf8', 0, prefix.length - 1),
      prefix,
      ms: [],
      values: [],
      inOrder: true,
      next: first,
    };
    this.byHash.set(h, series);
    this.series.push(series);
    return series;
  }

  /**
   * Writes the family as the file holds it through `write`, a chunk at a
   * time (each chunk is reused once `write` returns), and returns how many
   * samples were merged into another.
   */
  render(write) {
    const out = new SampleBytes(chunkBytes, write);
    for (const line of this.header) out.ascii(`${line}\n`);
    let merged = 0;
    for (const { prefix, ms, values, inOrder } of this.series) {
      const order = inOrder ? undefined : timeOrder(ms);
      for (let i = 0; i < ms.length;) {
        const at = order ? order[i] : i;
        let value = valueText(values[at]);
        let j = i + 1;
        for (; j < ms.length && ms[order ? order[j] : j] === ms[at]; j++) {
          value = mergeValues[this.rule](value, valueText(values[order ? order[j] : j]));
          merged++;
        }
        out.bytes(prefix);
        out.ascii(value);
        out.time(ms[at]);
        i = j;
      }
    }
    out.end();
    return merged;
  }
}

const hash = '#'.charCodeAt(0);
const minus = '-'.charCodeAt(0);
const dot = '.'.charCodeAt(0);
const zero = '0'.charCodeAt(0);
const fnvOffset = 0x811c9dc5;
const fnvPrime = 0x01000193;

/** Whether `key` is `text[start, headEnd)` followed by `text[tail, end)`. */
function sameKey(key, text, start, headEnd, tail, end) {
  if (key.length !== headEnd - start + (end - tail)) return false;
  let k = 0;
  for (let i = start; i < headEnd; i++)
    if (key.charCodeAt(k++) !== text.charCodeAt(i)) return false;
  for (let i = tail; i < end; i++) if (key.charCodeAt(k++) !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * The time `text[from, to)` in milliseconds: the spool writes
 * `<seconds>.<3 digits>`, read here digit by digit; anything else is read as
 * a number.
 */
function millisecondsAt(text, from, to) {
  const negative = text.charCodeAt(from) === minus;
  let i = negative ? from + 1 : from;
  let ms = 0;
  for (; i < to - 4; i++) {
    const digit = text.charCodeAt(i) - zero;
    if (digit < 0 || digit > 9) break;
    ms = ms * 10 + digit;
  }
  if (i !== to - 4 || i === (negative ? from + 1 : from) || text.charCodeAt(i) !== dot) {
    return Math.round(Number(text.slice(from, to)) * 1000);
  }
  for (i++; i < to; i++) {
    const digit = text.charCodeAt(i) - zero;
    if (digit < 0 || digit > 9) return Math.round(Number(text.slice(from, to)) * 1000);
    ms = ms * 10 + digit;
  }
  return negative ? -ms : ms;
}

/**
 * A value as kept: a short slice is a copy of its own, a long one would hold
 * the whole batch it came in, so a number that reads back the same is kept
 * as the number.
 */
function ownValue(text) {
  if (text.length < 13) return text;
  const number = Number(text);
  return String(number) === text ? number : text;
}

function valueText(kept) {
  return typeof kept === 'number' ? String(kept) : kept;
}

/** Bytes handed on at a time: one chunk is reused, so a family of any size costs this much memory. */
const chunkBytes = 1 << 20;

/** The samples' positions sorted by time; the sort is stable, so equal times keep their written order. */
function timeOrder(ms) {
  return Array.from(ms, (_, i) => i).sort((a, b) => ms[a] - ms[b]);
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
