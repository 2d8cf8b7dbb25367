import { mkdirSync, writeFileSync } from 'node:fs';

/**
 * One figure: the median of its runs, the median of its baseline's runs
 * (measured in the same process, interleaved with them), and the goal for
 * their ratio. Absolute values differ from machine to machine; ratios do not.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  /** Median of the per-run ratios, and their lowest and highest. */
  ratio: number;
  ratioSpread: [number, number];
  runs: number;
  /** e.g. "ratio >= 0.8", or "report" when there is no target. */
  target: string;
  met: boolean | undefined;
}

export interface Target {
  atLeast?: number;
  atMost?: number;
}

/**
 * Runs each workload `runs` times, in turn, the first of each round rotating,
 * so that none inherits another's heap or the machine's mood more often.
 * Returns each workload's values, one per run.
 */
export async function interleave(
  runs: number,
  ...workloads: (() => number | Promise<number>)[]
): Promise<number[][]> {
  const values = workloads.map((): number[] => []);
  for (let run = 0; run < runs; run++) {
    for (let k = 0; k < workloads.length; k++) {
      const w = (run + k) % workloads.length;
      values[w].push(await workloads[w]());
    }
  }
  return values;
}

/**
 * A workload's runs against its baseline's, run for run. A run whose
 * baseline measured 0 (below the measure's resolution, as a 0 ms latency)
 * has no ratio; with none left, the figure has none and decides no target.
 */
export function figure(
  name: string,
  unit: string,
  values: number[],
  baselines: number[],
  target: Target = {},
): Figure {
  const ratios = values.flatMap((v, i) => (baselines[i] > 0 ? [v / baselines[i]] : []));
  const ratio = ratios.length > 0 ? median(ratios) : NaN;
  const { atLeast, atMost } = target;
  const checks: [string, boolean][] = [];
  if (atLeast !== undefined) checks.push([`ratio >= ${atLeast}`, ratio >= atLeast]);
  if (atMost !== undefined) checks.push([`ratio <= ${atMost}`, ratio <= atMost]);
  const met = checks.length === 0 || ratios.length === 0 ? undefined : checks.every(([, ok]) => ok);
  const result: Figure = {
    name,
    value: median(values),
    unit,
    baseline: median(baselines),
    ratio,
    ratioSpread: ratios.length > 0 ? [Math.min(...ratios), Math.max(...ratios)] : [NaN, NaN],
    runs: ratios.length,
    target: checks.map(([text]) => text).join(' and ') || 'report',
    met,
  };
  const ratioText =
    ratios.length > 0
      ? `${ratio.toFixed(2)} (${result.ratioSpread.map((r) => r.toFixed(2)).join('–')} over ${result.runs} runs)`
      : `none (the baseline measured 0 in every run: below the measure's resolution)`;
  console.log(
    `${name}: ${fmt(result.value)} ${unit} | baseline ${fmt(result.baseline)} ${unit} | ratio ${ratioText} | target ${result.target}${verdict(met, checks.length > 0)}`,
  );
  return result;
}

function verdict(met: boolean | undefined, hasTarget: boolean): string {
  if (met !== undefined) return met ? ' | met' : ' | MISSED';
  return hasTarget ? ' | not decided' : '';
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function writeResults(
  figures: Figure[],
  path = new URL('./results.json', import.meta.url),
): void {
  mkdirSync(new URL('.', path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(figures, null, 2)}\n`);
}

export function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}
