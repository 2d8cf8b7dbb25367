import { spawn, type ChildProcess } from 'node:child_process';
import type { BrokerOptions, RedisBufferOptions, StoreOptions } from '../../src/lib/index.js';

const root = new URL('../..', import.meta.url).pathname;

/** test/support/redis-worker-app.ts in a child process of its own. */
export class RedisWorkerProcess {
  private readonly child: ChildProcess;
  private stdout = '';
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(options: {
    store: StoreOptions;
    buffer: RedisBufferOptions;
    file: string;
    topics?: string[];
    broker?: BrokerOptions;
  }) {
    this.child = spawn(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'test/support/redis-worker-app.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          METAQUEUE_TEST_STORE: JSON.stringify(options.store),
          METAQUEUE_TEST_BUFFER: JSON.stringify(options.buffer),
          METAQUEUE_TEST_FILE: options.file,
          METAQUEUE_TEST_TOPICS: JSON.stringify(options.topics ?? ['load']),
          METAQUEUE_TEST_BROKER: JSON.stringify(options.broker ?? {}),
        },
      },
    );
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
  }

  /** Resolves once the child printed `line` (since `from` characters of its output). */
  async said(line: string, from = 0, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.stdout.indexOf(`${line}\n`, from);
      if (at >= 0) return at + line.length + 1;
      if (Date.now() > deadline) throw new Error(`worker never said ${line}: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  get output(): number {
    return this.stdout.length;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.child.kill(signal);
    await this.exited;
  }
}
