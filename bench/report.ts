import { mkdirSync, writeFileSync } from 'node:fs';

/** One figure: its value, the baseline measured in the same run, and the goal for their ratio. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
  /** e.g. ">= 0.8" or "<= 2" (ratio), or "< 20 ms" (value). */
  target: string;
  met: boolean;
}

export function figure(
  name: string,
  value: number,
  unit: string,
  baseline: number,
  target: { atLeast?: number; atMost?: number; valueBelow?: number },
): Figure {
  const ratio = value / baseline;
  const parts: string[] = [];
  let met = true;
  if (target.atLeast !== undefined) {
    parts.push(`ratio >= ${target.atLeast}`);
    met &&= ratio >= target.atLeast;
  }
  if (target.atMost !== undefined) {
    parts.push(`ratio <= ${target.atMost}`);
    met &&= ratio <= target.atMost;
  }
  if (target.valueBelow !== undefined) {
    parts.push(`value < ${target.valueBelow} ${unit}`);
    met &&= value < target.valueBelow;
  }
  const result = { name, value, unit, baseline, ratio, target: parts.join(' and '), met };
  console.log(
    `${name}: ${fmt(value)} ${unit} | baseline ${fmt(baseline)} ${unit} | ratio ${ratio.toFixed(2)} | target ${result.target} | ${met ? 'met' : 'MISSED'}`,
  );
  return result;
}

export function writeResults(
  figures: Figure[],
  path = new URL('./results.json', import.meta.url),
): void {
  mkdirSync(new URL('.', path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(figures, null, 2)}\n`);
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}
