import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirement } from './requirement.js';

/**
 * Independent readers of OpenMetrics: prometheus_client's strict parser
 * (Debian python3-prometheus-client) and promtool (Debian prometheus).
 * `.ci/run` installs both; elsewhere, tests that need them are skipped.
 */
const python = '/usr/bin/python3';
const script = new URL('./parse-openmetrics.py', import.meta.url).pathname;

export const hasParser =
  existsSync(python) && spawnSync(python, ['-c', 'import prometheus_client']).status === 0;
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

export const describeWithOpenMetricsTools = requirement(
  "prometheus_client's parser and promtool",
  hasParser && hasPromtool,
  'apt-get install python3-prometheus-client prometheus, as .ci/run does',
).describe;

export interface ParsedSample {
  family: string;
  type: string;
  name: string;
  labels: Record<string, string>;
  value: number;
  sec: number;
  nsec: number;
}

/** Every sample of the file; throws if the strict parser rejects it. */
export function parseOpenMetrics(file: string): ParsedSample[] {
  const out = execFileSync(python, [script, file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ParsedSample);
}

/** Imports the file into a fresh TSDB with promtool; returns how many samples it holds. */
export function promtoolImport(file: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-tsdb-'));
  try {
    execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, dir], {
      stdio: 'pipe',
    });
    const listing = execFileSync('promtool', ['tsdb', 'list', dir], { encoding: 'utf8' });
    return listing
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .reduce((sum, row) => sum + Number(row.trim().split(/\s+/)[4]), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The record a sample stands for, read back from the file alone. */
export function recordOf(sample: ParsedSample) {
  const { id, topic, location, context, data } = sample.labels;
  return {
    id,
    topic,
    name: sample.name,
    location,
    context,
    data: data === undefined ? sample.value : (JSON.parse(data) as unknown),
    publishedAt: sample.sec * 1000 + Math.round(sample.nsec / 1e6),
  };
}

/**
 * The ids of the samples in a file, in order, by their `id` label alone: for
 * spool files and other pieces the strict parser would refuse as incomplete.
 */
export function sampleIdsIn(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/\{id="([^"]+)"/g)].map((m) => m[1]);
}
