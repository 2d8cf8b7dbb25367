import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../harness/redis-server.js';
import { requirement } from './requirement.js';

export const withPrometheus = requirement(
  'a Prometheus server binary',
  spawnSync('prometheus', ['--version']).status === 0,
  'apt-get install prometheus, as .ci/run does',
);

/** One sample of an instant query: its labels and its value. */
/** An app of `module` listening on a free loopback port, for Prometheus to scrape: its scrape target. */
export async function scrapedApp(module: Type): Promise<{ app: INestApplication; target: string }> {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return { app, target: `127.0.0.1:${port}` };
}

export interface PrometheusSample {
  metric: Record<string, string>;
  value: number;
}

/** An alert as GET /api/v1/alerts gives it. */
export interface PrometheusAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

/** A rule as GET /api/v1/rules gives it. */
export interface PrometheusRule {
  name: string;
  state?: 'inactive' | 'pending' | 'firing';
  health: string;
  lastEvaluation: string;
}

/**
 * A real Prometheus server (Debian's /usr/bin/prometheus) of the test's own, in a
 * temp directory: it scrapes `targets` and evaluates `ruleFiles` every second.
 */
export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(options: {
    targets: string[];
    ruleFiles?: string[];
  }): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'metaqueue-prometheus-'));
    const port = await freePort();
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: options.ruleFiles ?? [],
      scrape_configs: [{ job_name: 'metaqueue', static_configs: [{ targets: options.targets }] }],
    };
    // JSON is YAML: no YAML writer needed.
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    return new PrometheusServer(child, dir, port);
  }

  /** GET /api/v1/<path>'s `data`, or undefined while the server is not up yet. */
  private async api<T>(path: string): Promise<T | undefined> {
    const response = await fetch(`http://127.0.0.1:${this.port}/api/v1/${path}`).catch(
      () => undefined,
    );
    if (!response?.ok) return undefined;
    return ((await response.json()) as { data: T }).data;
  }

  /** An instant query's samples; none while the server starts. */
  async query(q: string): Promise<PrometheusSample[]> {
    const data = await this.api<{
      result: { metric: Record<string, string>; value: [number, string] }[];
    }>(`query?query=${encodeURIComponent(q)}`);
    return (data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** An instant query's values. */
  async values(q: string): Promise<number[]> {
    return (await this.query(q)).map((s) => s.value);
  }

  /** The alerts pending or firing now. */
  async alerts(): Promise<PrometheusAlert[]> {
    return (await this.api<{ alerts: PrometheusAlert[] }>('alerts'))?.alerts ?? [];
  }

  /** Every alerting rule loaded, with its state and its last evaluation. */
  async rules(): Promise<PrometheusRule[]> {
    const data = await this.api<{ groups: { rules: PrometheusRule[] }[] }>('rules?type=alert');
    return (data?.groups ?? []).flatMap((g) => g.rules);
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
