// Plain JavaScript: it runs on the series-merge worker thread
// (series-merge.worker.mjs), which loads its files as they are, from the
// sources in tests as from the built package. Types: series-merge.d.mts.

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
    /** Series by key, in the order each first came. */
    this.series = new Map();
  }

  /** Takes in whole spooled lines. */
  add(spooled) {
    let last;
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
      const key = this.keepId ? spooled.slice(start, v) : withoutId(spooled, start, v);
      if (last?.key !== key) last = this.series.get(key) ?? this.newSeries(key);
      const ms = Math.round(Number(spooled.slice(t + 1, end)) * 1000);
      if (last.ms.length > 0 && ms < last.ms[last.ms.length - 1]) last.inOrder = false;
      last.ms.push(ms);
      last.values.push(ownValue(spooled.slice(v + 1, t)));
      start = end + 1;
    }
    return this;
  }

  /**
   * Writes the family as the file holds it through `write`, a chunk at a
   * time (each chunk is reused once `write` returns), and returns how many
   * samples were merged into another.
   */
  render(write) {
    const out = new ChunkWriter(write);
    for (const line of this.header) out.text(`${line}\n`);
    let merged = 0;
    for (const { prefix, ms, values, inOrder } of this.series.values()) {
      const order = inOrder ? undefined : timeOrder(ms);
      for (let i = 0; i < ms.length;) {
        const at = order ? order[i] : i;
        let value = valueText(values[at]);
        let j = i + 1;
        for (; j < ms.length && ms[order ? order[j] : j] === ms[at]; j++) {
          value = mergeValues[this.rule](value, valueText(values[order ? order[j] : j]));
          merged++;
        }
        out.sample(prefix, value, ms[at]);
        i = j;
      }
    }
    out.end();
    return merged;
  }

  newSeries(sliced) {
    // Its own copy of the key: a slice would hold the whole batch it came in.
    const prefix = Buffer.from(`${sliced} `);
    const key = prefix.toString('utf8', 0, prefix.length - 1);
    const series = { key, prefix, ms: [], values: [], inOrder: true };
    this.series.set(key, series);
    return series;
  }
}

const hash = '#'.charCodeAt(0);
const dot = '.'.charCodeAt(0);
const zero = '0'.charCodeAt(0);
const newline = '\n'.charCodeAt(0);

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

/**
 * Bytes written into a chunk that is handed on whenever it is full, ASCII a
 * character at a time: a merged family is its series' keys, copied, and
 * short numbers. No string of the whole is made, nor a buffer of it.
 */
class ChunkWriter {
  constructor(write) {
    this.write = write;
    this.chunk = Buffer.allocUnsafeSlow(chunkBytes);
    this.length = 0;
    /** The whole seconds last written, as text: a series' samples mostly share them. */
    this.second = NaN;
    this.secondText = '';
  }

  /** `<series> <value> <seconds>.<ms>` and a newline; the prefix holds the series and its space. */
  sample(prefix, value, ms) {
    this.bytes(prefix);
    this.text(value);
    // A time before 1970 is written as the spool writes it: `-` and its distance from 0.
    const whole = Math.floor(Math.abs(ms) / 1000);
    const second = ms < 0 ? -whole - 1 : whole;
    if (second !== this.second) {
      this.second = second;
      this.secondText = ` ${ms < 0 ? '-' : ''}${whole}`;
    }
    this.text(this.secondText);
    const milli = Math.abs(ms) % 1000;
    this.reserve(5);
    const { chunk } = this;
    chunk[this.length] = dot;
    chunk[this.length + 1] = zero + Math.floor(milli / 100);
    chunk[this.length + 2] = zero + (Math.floor(milli / 10) % 10);
    chunk[this.length + 3] = zero + (milli % 10);
    chunk[this.length + 4] = newline;
    this.length += 5;
  }

  bytes(bytes) {
    this.reserve(bytes.length);
    this.chunk.set(bytes, this.length);
    this.length += bytes.length;
  }

  text(text) {
    this.reserve(text.length * 3);
    const { chunk } = this;
    let at = this.length;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      // Anything but ASCII (never in a number) is encoded whole.
      if (code > 127) {
        this.length += chunk.write(text, this.length);
        return;
      }
      chunk[at++] = code;
    }
    this.length = at;
  }

  end() {
    if (this.length > 0) this.write(this.chunk.subarray(0, this.length));
    this.length = 0;
  }

  /** Hands the chunk on if `bytes` more may not fit; a piece bigger than a chunk gets a chunk of its size. */
  reserve(bytes) {
    if (this.length + bytes <= this.chunk.length) return;
    this.end();
    if (bytes > this.chunk.length) this.chunk = Buffer.allocUnsafeSlow(bytes);
  }
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

/** The series `text[start, end)` without its id: `name{id="…",a="x"}` as `name{a="x"}`, `name{id="…"}` as `name`. */
function withoutId(text, start, end) {
  const open = text.indexOf('{id="', start);
  // An id is a UUID: no quote inside it.
  const after = text.indexOf('"', open + 5) + 1;
  if (text.charCodeAt(after) === closeBrace) return text.slice(start, open);
  return text.slice(start, open + 1) + text.slice(after + 1, end);
}

const closeBrace = '}'.charCodeAt(0);
