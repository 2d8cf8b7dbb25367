import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildApp } from '../test/harness/child-app.js';
import { figure, interleave, type Figure } from './report.js';

/** The host app's traffic: a steady rate from autocannon, in a process of its own, on loopback. */
const requestsPerSecond = 2_000;
const connections = 10;
/** What its code publishes meanwhile, records/s: a nightly import. */
const recordsPerSecond = Number(process.env.BENCH_HOST_RATE ?? 20_000);

interface Round {
  httpP50Ms: number;
  httpP99Ms: number;
  loopP99Ms: number;
  /** Linux only: the app's thread runnable but waiting for a core, ms per second. */
  waitingMsPerS?: number;
  /** Linux only: the machine's cores in use over the window, of all of them. */
  coresBusy?: number;
}

/**
 * The host's own latency, what a user of metaqueue sees: a Nest HTTP app
 * (Express, then Fastify) answering GET /ping at a fixed request rate while
 * its code publishes at a fixed record rate, flushing to the server and the
 * OpenMetrics file; against the same app, traffic and publishing with
 * flushing off (the records taken and dropped). HTTP p50 and p99 from
 * autocannon, the event loop's p99 delay from inside the app.
 */
export async function hostLatency(url: string, scale: number, runs: number): Promise<Figure[]> {
  const seconds = Math.max(4, Math.round(10 * scale));
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-host-'));
  const figures: Figure[] = [];
  try {
    for (const adapter of ['express', 'fastify'] as const) {
      const flushing: Round[] = [];
      const off: Round[] = [];
      await interleave(
        runs,
        async () =>
          flushing.push(await round(adapter, 'flush', seconds, join(dir, 'log.txt'), url)),
        async () => off.push(await round(adapter, 'off', seconds, join(dir, 'log.txt'), url)),
      );
      const label = `${adapter === 'express' ? 'Express' : 'Fastify'} at ${requestsPerSecond.toLocaleString('en-US')} req/s, publishing ${recordsPerSecond.toLocaleString('en-US')} records/s, flushing vs not flushing`;
      const pick = (rs: Round[], k: keyof Round) => rs.map((r) => r[k]!);
      figures.push(
        figure(`HTTP p50, ${label}`, 'ms', pick(flushing, 'httpP50Ms'), pick(off, 'httpP50Ms')),
        figure(`HTTP p99, ${label}`, 'ms', pick(flushing, 'httpP99Ms'), pick(off, 'httpP99Ms'), {
          atMost: 1.3,
        }),
        figure(
          `event loop p99, ${label}`,
          'ms',
          pick(flushing, 'loopP99Ms'),
          pick(off, 'loopP99Ms'),
          { atMost: 1.5 },
        ),
      );
      // Where the latency comes from: a thread that waits for a core is late by that much.
      if (flushing.concat(off).every((r) => r.waitingMsPerS !== undefined)) {
        figures.push(
          figure(
            `app's thread waiting for a core, ${label}`,
            'ms/s',
            pick(flushing, 'waitingMsPerS'),
            pick(off, 'waitingMsPerS'),
          ),
          figure(
            `cores busy on the machine, ${label}`,
            'cores',
            pick(flushing, 'coresBusy'),
            pick(off, 'coresBusy'),
          ),
        );
      }
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function round(
  adapter: string,
  mode: 'flush' | 'off',
  seconds: number,
  file: string,
  url: string,
): Promise<Round> {
  // The app publishes a second longer than the traffic lasts, so the traffic sees only steady publishing.
  const ms = (seconds + 1) * 1000;
  const app = ChildApp.start('bench/host-app.ts', {
    args: [adapter, mode, String(recordsPerSecond), String(ms), file, url],
  });
  await app.waitForLine('ready', { timeoutMs: 120_000 });
  const port = Number(app.lines.find((l) => l.startsWith('port='))!.slice('port='.length));
  const http = await autocannon(port, seconds);
  const { code } = await app.exit(300_000);
  if (code !== 0) throw new Error(`bench/host-app.ts failed (exit code ${code}): ${app.stderr}`);
  const report = JSON.parse(app.lines.at(-1)!) as {
    loopP99Ms: number;
    waitingMsPerS?: number;
    coresBusy?: number;
    published: number;
    dropped: number;
    stored?: number;
  };
  const stored = mode === 'flush' ? `, stored ${report.stored}` : '';
  const cores =
    report.waitingMsPerS === undefined
      ? ''
      : `; its thread waited ${report.waitingMsPerS.toFixed(1)} ms/s for a core, ${report.coresBusy!.toFixed(2)} cores busy`;
  console.log(
    `  ${adapter}, ${mode === 'flush' ? 'flushing' : 'not flushing'}: HTTP p50 ${http.p50} ms, p99 ${http.p99} ms (${http.requests} requests, ${http.errors} errors); event loop p99 ${report.loopP99Ms.toFixed(1)} ms${cores}; published ${report.published}, dropped ${report.dropped}${stored}`,
  );
  if (mode === 'flush' && report.stored !== report.published - report.dropped) {
    throw new Error(`host app stored ${report.stored} of ${report.published - report.dropped}`);
  }
  const { loopP99Ms, waitingMsPerS, coresBusy } = report;
  return { httpP50Ms: http.p50, httpP99Ms: http.p99, loopP99Ms, waitingMsPerS, coresBusy };
}

/** autocannon at a fixed rate on GET /ping for `seconds`, in a process of its own. */
async function autocannon(port: number, seconds: number) {
  const cli = new URL('../node_modules/autocannon/autocannon.js', import.meta.url).pathname;
  const args = [cli, '-j', '-c', String(connections), '-R', String(requestsPerSecond)];
  args.push('-d', String(seconds), `http://127.0.0.1:${port}/ping`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => (out += text));
  await new Promise((resolve) => child.on('close', resolve));
  const result = JSON.parse(out) as {
    latency: { p50: number; p99: number };
    requests: { total: number };
    errors: number;
    non2xx: number;
  };
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.non2xx,
  };
}
