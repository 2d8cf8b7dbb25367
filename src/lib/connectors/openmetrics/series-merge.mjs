// Plain JavaScript: it runs on the series-merge worker thread
// (series-merge.worker.mjs), which loads its files as they are, from the
// sources in tests as from the built package. Types: series-merge.d.mts.

/**
 * Turns one family's spooled lines (its `# TYPE` line, then samples in the
 * order they were written, each with its record's `id` first) into the
 * family as OpenMetrics wants it: the `id` label gone (unless kept), each
 * series' samples together and in time order, and the samples that meet in
 * one series and one millisecond merged into one by `rule`, since a reader
 * keeps one sample per series and timestamp:
 * - `last`: the value of the record written last (the sort is stable);
 * - `sum`: the sum of their values, added in the order they were written;
 * - `max`: the largest value.
 * A pure function of its input: no I/O, no clock.
 */
export function mergeSeries(spooled, { rule, keepId }) {
  const header = [];
  const series = new Map();
  let merged = 0;
  for (const line of spooled.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      header.push(line);
      continue;
    }
    // Value and timestamp are the last two fields; label values may hold spaces, these never do.
    const t = line.lastIndexOf(' ');
    const v = line.lastIndexOf(' ', t - 1);
    const key = keepId ? line.slice(0, v) : withoutId(line.slice(0, v));
    const seconds = line.slice(t + 1);
    const sample = {
      ms: Math.round(Number(seconds) * 1000),
      seconds,
      value: line.slice(v + 1, t),
    };
    const samples = series.get(key);
    if (samples) samples.push(sample);
    else series.set(key, [sample]);
  }
  const out = header.map((line) => `${line}\n`);
  for (const [key, samples] of series) {
    if (!inTimeOrder(samples)) samples.sort((a, b) => a.ms - b.ms);
    for (let i = 0; i < samples.length;) {
      let value = samples[i].value;
      let j = i + 1;
      for (; j < samples.length && samples[j].ms === samples[i].ms; j++) {
        value = mergeValues[rule](value, samples[j].value);
        merged++;
      }
      out.push(`${key} ${value} ${samples[i].seconds}\n`);
      i = j;
    }
  }
  return { text: out.join(''), merged };
}

// A sample: { ms, seconds (the timestamp as written: equal milliseconds are equal text), value }.

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

function inTimeOrder(samples) {
  for (let i = 1; i < samples.length; i++) if (samples[i].ms < samples[i - 1].ms) return false;
  return true;
}

/** `name{id="…",a="x"}` as `name{a="x"}`, and `name{id="…"}` as `name`. */
function withoutId(series) {
  const open = series.indexOf('{id="');
  // An id is a UUID: no quote inside it.
  const after = series.indexOf('"', open + 5) + 1;
  if (series.charCodeAt(after) === closeBrace) return series.slice(0, open);
  return `${series.slice(0, open + 1)}${series.slice(after + 1)}`;
}

const closeBrace = '}'.charCodeAt(0);
