import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { until } from '../support/until.js';

const root = new URL('../..', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether anything accepts a connection on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}

/**
 * `npm run serve &` then `kill -TERM $!`, as a user does: the signal goes to
 * npm, whose script execs the built server, which shuts down gracefully.
 */
describe('npm run serve, then SIGTERM to npm', () => {
  // The example writes ./log.txt and its embedded database ./.metaqueue in the package root:
  // keep a user's aside meanwhile.
  const logFile = join(root, 'log.txt');
  const kept = ['log.txt', '.metaqueue'].map((name) => join(root, name));
  beforeAll(() => {
    for (const path of kept) if (existsSync(path)) renameSync(path, `${path}.before-serve-test`);
  });
  afterAll(() => {
    for (const path of kept) {
      rmSync(path, { recursive: true, force: true });
      if (existsSync(`${path}.before-serve-test`)) renameSync(`${path}.before-serve-test`, path);
    }
  });

  it('leaves no process listening, a complete log.txt, and says what it flushed', async () => {
    const port = await freePort();
    const npm = spawn('npm', ['run', 'serve'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), DATABASE_URL: '' },
    });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | string | null>((resolve) =>
      npm.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    // npm run serve builds first (preserve), then starts.
    await until(() => output.includes('metaqueue example on'), 90_000).catch(() => {
      throw new Error(`the server did not start:\n${output}`);
    });
    expect(await listening(port)).toBe(true);
    // The tasks' first scheduled runs (every 5 s) publish before the signal: /metrics counts them.
    await until(async () => {
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then(
        (response) => response.text(),
        () => '',
      );
      return /^metaqueue_published_total\{topic="metaqueue_task_runs"\} [1-9]/m.test(metrics);
    }, 30_000);
    // Where records go, said at startup; DATABASE_URL is empty: embedded PGlite, kept on disk.
    expect(output).toContain(
      `Storing metadata in embedded PGlite at ${join(root, '.metaqueue/pglite')}`,
    );
    expect(output).not.toContain('PGlite in memory');
    expect(output).toContain(
      'Also writing every stored record to OpenMetricsFileConnector(./log.txt)',
    );

    npm.kill('SIGTERM');
    // After its clean shutdown, Nest ends the process by the same signal, and npm
    // passes it on: status 143 (128 + 15) in a shell, a clean stop to systemd and Kubernetes.
    expect(await exited).toBe('SIGTERM');
    expect(await listening(port)).toBe(false);
    const finalFlush = output
      .split('\n')
      .filter((line) => line.includes('Final flush at shutdown'));
    expect(finalFlush).toHaveLength(1);
    expect(finalFlush[0]).toMatch(
      /every sink has all \d+ records since start \(store, OpenMetricsFileConnector\(\.\/log\.txt\)\); this last pass wrote \d+ to store, .*nothing left unflushed\./,
    );
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(/^# TYPE [\s\S]*\n# EOF\n$/);
    // In series (the default): the numeric records by name, topic and location; the JSON run records stay in the table.
    expect(log).toMatch(/^import_rows\{topic="imports",location="customers"\} /m);
  });
});
