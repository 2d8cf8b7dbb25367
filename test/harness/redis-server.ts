import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hangBound } from '../support/hang-bound.js';
import { requirement } from '../support/requirement.js';

/**
 * A redis-server of a test's own, on a free port with a temporary directory:
 * tests never touch the machine's shared instance on 6379. `.ci/run`
 * installs Debian's redis-server; elsewhere, tests that need it are skipped.
 */
export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/** `describe`/`it` for tests that need redis-server: skipped without it, fatal under CI. */
export const withRedisServer = () =>
  requirement('redis-server', hasRedisServer, 'apt-get install redis-server, as .ci/run does');

export class RedisServer {
  port = 0;
  dir = '';
  private child?: ChildProcess;
  private exited?: Promise<void>;

  constructor(private readonly options: { appendOnly?: boolean } = {}) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts on a free port, or on the same port and directory again after `stop()`. */
  async start(): Promise<this> {
    this.dir ||= await mkdtemp(join(tmpdir(), 'metaqueue-redis-'));
    this.port ||= await freePort();
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir];
    args.push('--save', '', '--appendonly', this.options.appendOnly ? 'yes' : 'no');
    if (this.options.appendOnly) args.push('--appendfsync', 'always');
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitForPort(this.port);
    return this;
  }

  /** Stops the server: SIGTERM lets it finish its append-only file, SIGKILL does not. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.child?.kill(signal);
    await this.exited;
    this.child = undefined;
  }

  /** Stops it and deletes its directory. */
  async remove(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number): Promise<void> {
  for (const deadline = Date.now() + hangBound(10_000); Date.now() < deadline;) {
    const ready = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('data', (chunk) => {
        socket.destroy();
        resolve(chunk.toString().startsWith('+PONG'));
      });
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('error', () => resolve(false));
    });
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server did not start on port ${port}`);
}
