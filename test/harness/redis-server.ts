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
    let gone = false;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => (gone = true));
    // After stop(), another server may have taken the port: only this one's answer will do.
    if (await answers(this.port, child.pid!, () => gone)) return this;
    throw new Error(
      gone
        ? `redis-server exited at start on port ${this.port} (is the port taken?)`
        : `redis-server did not start on port ${this.port}`,
    );
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

/** Whether the redis-server of process `pid` came to answer on `port`: another's answer is not its. */
async function answers(port: number, pid: number, gaveUp: () => boolean): Promise<boolean> {
  for (const deadline = Date.now() + hangBound(10_000); Date.now() < deadline && !gaveUp();) {
    const answeredBy = await new Promise<number | undefined>((resolve) => {
      let reply = '';
      const socket = net.connect(port, '127.0.0.1');
      socket.on('data', (chunk) => {
        reply += chunk.toString();
        const found = /process_id:(\d+)\r\n/.exec(reply);
        if (!found) return;
        socket.destroy();
        resolve(Number(found[1]));
      });
      socket.once('connect', () => socket.write('INFO server\r\n'));
      socket.once('error', () => resolve(undefined));
      socket.once('close', () => resolve(undefined));
    });
    if (answeredBy === pid) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}
