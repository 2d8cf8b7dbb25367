import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildApp } from '../test/harness/child-app.js';
import { PostgresFeeder } from './postgres-feeder.js';
import { figure, interleave, type Figure } from './report.js';

/** The host app's traffic: a steady rate from autocannon, in a process of its own, on loopback. */
const requestsPerSecond = 2_000;
const connections = 10;
/** What its code publishes meanwhile, records/s: a nightly import. */
const recordsPerSecond = Number(process.env.BENCH_HOST_RATE ?? 20_000);
/**
 * Traffic and publishing before the measured window: a fresh process's first
 * second (code compiled, connections opened, autocannon's own start) stalls
 * a few times for 20 to 80 ms flushing or not, and one such stall sets a
 * 10 s window's HTTP p99. Reported on its own.
 */
const warmupSeconds = 3;

interface Round {
  httpP50Ms: number;
  httpP99Ms: number;
  /** HTTP p99 over the warm-up. */
  warmupHttpP99Ms: number;
  loopP99Ms: number;
  /** Linux only: the app's thread runnable but waiting for a core, ms per second. */
  waitingMsPerS?: number;
  /** Linux only: the machine's cores in use over the window, of all of them. */
  coresBusy?: number;
}

/**
 * How a round's app treats its records: flushing them; not flushing (taken
 * and dropped); or not flushing while another process writes as many rows
 * into the same PostgreSQL, which is what the database's work alone costs
 * the host on shared cores.
 */
type Mode = 'flush' | 'off' | 'fed';

/**
 * The host's own latency, what a user of metaqueue sees: a Nest HTTP app
 * (Express, then Fastify) answering GET /ping at a fixed request rate while
 * its code publishes at a fixed record rate, flushing to the server and the
 * OpenMetrics file; against the same app, traffic and publishing with
 * flushing off (the records taken and dropped), and against that with
 * PostgreSQL fed the same rows by another process. HTTP p50 and p99 from
 * autocannon, the event loop's p99 delay from inside the app.
 */
export async function hostLatency(url: string, scale: number, runs: number): Promise<Figure[]> {
  const seconds = Math.max(4, Math.round(10 * scale));
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-host-'));
  const figures: Figure[] = [];
  try {
    for (const adapter of ['express', 'fastify'] as const) {
      const rounds: Record<Mode, Round[]> = { flush: [], off: [], fed: [] };
      const file = join(dir, 'log.txt');
      await interleave(
        runs,
        ...(['flush', 'off', 'fed'] as const).map(
          (mode) => async () => rounds[mode].push(await round(adapter, mode, seconds, file, url)),
        ),
      );
      const { flush: flushing, off, fed } = rounds;
      const host = `${adapter === 'express' ? 'Express' : 'Fastify'} at ${requestsPerSecond.toLocaleString('en-US')} req/s, publishing ${recordsPerSecond.toLocaleString('en-US')} records/s`;
      const label = `${host}, flushing vs not flushing`;
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
        figure(
          `HTTP p99 over the first ${warmupSeconds} s of a fresh app, ${label}`,
          'ms',
          pick(flushing, 'warmupHttpP99Ms'),
          pick(off, 'warmupHttpP99Ms'),
        ),
        // The part of the cost that is the database's: the same rows written by another program.
        ...(['httpP99Ms', 'loopP99Ms'] as const).map((k) =>
          figure(
            `${k === 'httpP99Ms' ? 'HTTP' : 'event loop'} p99, ${host}, flushing vs not flushing while another process writes as many rows into PostgreSQL`,
            'ms',
            pick(flushing, k),
            pick(fed, k),
          ),
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
  mode: Mode,
  seconds: number,
  file: string,
  url: string,
): Promise<Round> {
  // Rows for longer than the traffic lasts: the feeder is stopped with the app.
  const feeder =
    mode === 'fed'
      ? await PostgresFeeder.prepare(url, recordsPerSecond, warmupSeconds + seconds + 10)
      : undefined;
  const app = ChildApp.start('bench/host-app.ts', {
    args: [adapter, mode === 'flush' ? 'flush' : 'off', String(recordsPerSecond), file, url],
  });
  let warmup: HttpFigures;
  let http: HttpFigures;
  let fed: number | undefined;
  let behind = 0;
  try {
    await app.waitForLine('ready', { timeoutMs: 120_000 });
    const port = Number(app.lines.find((l) => l.startsWith('port='))!.slice('port='.length));
    feeder?.start();
    warmup = await autocannon(port, warmupSeconds);
    // The app measures from here until the second signal: the measured traffic's window.
    app.signal('SIGUSR2');
    http = await autocannon(port, seconds);
    behind = feeder?.behindRows ?? 0;
    app.signal('SIGUSR2');
    fed = await feeder?.stop();
  } catch (error) {
    // The app publishes until told to stop: a failed round must not leave it running.
    app.signal('SIGKILL');
    await feeder?.stop().catch(() => undefined);
    throw error;
  }
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
  const stored =
    mode === 'flush'
      ? `, stored ${report.stored}`
      : mode === 'fed'
        ? `; another process stored ${fed} rows${behind > 0 ? `, ${behind} behind its pace at the end` : ''}`
        : '';
  const cores =
    report.waitingMsPerS === undefined
      ? ''
      : `; its thread waited ${report.waitingMsPerS.toFixed(1)} ms/s for a core, ${report.coresBusy!.toFixed(2)} cores busy`;
  console.log(
    `  ${adapter}, ${modeWords[mode]}: HTTP p50 ${http.p50} ms, p99 ${http.p99} ms (${http.requests} requests, ${http.errors} errors; warming up p99 ${warmup.p99} ms, ${warmup.errors} errors); event loop p99 ${report.loopP99Ms.toFixed(1)} ms${cores}; published ${report.published}, dropped ${report.dropped}${stored}`,
  );
  if (mode === 'flush' && report.stored !== report.published - report.dropped) {
    throw new Error(`host app stored ${report.stored} of ${report.published - report.dropped}`);
  }
  const { loopP99Ms, waitingMsPerS, coresBusy } = report;
  return {
    httpP50Ms: http.p50,
    httpP99Ms: http.p99,
    warmupHttpP99Ms: warmup.p99,
    loopP99Ms,
    waitingMsPerS,
    coresBusy,
  };
}

const modeWords: Record<Mode, string> = {
  flush: 'flushing',
  off: 'not flushing',
  fed: 'not flushing, another process writing as many rows',
};

/** What autocannon measured. */
interface HttpFigures {
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

/** autocannon at a fixed rate on GET /ping for `seconds`, in a process of its own. */
async function autocannon(port: number, seconds: number): Promise<HttpFigures> {
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
