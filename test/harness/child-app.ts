import { spawn, type ChildProcess } from 'node:child_process';
import { hangBound } from '../support/hang-bound.js';
import { builtPath, testBuild } from '../support/test-build.mjs';

/** The package root: child apps run from it, and their entry paths are relative to it. */
const root = new URL('../..', import.meta.url).pathname;

export interface ChildAppOptions {
  /** Added to the parent's environment. */
  env?: Record<string, string>;
  /** The app's arguments, after its entry file. */
  args?: string[];
  /** Node flags before the entry, e.g. `--expose-gc`. */
  nodeFlags?: string[];
  /** Run as this user and group id (to test file permissions as root). */
  uid?: number;
  /** `inherit` passes the child's stderr through instead of keeping it in `stderr`. */
  stderr?: 'pipe' | 'inherit';
}

/**
 * Node's arguments to run a TypeScript entry: under Jest its build of this
 * run (test/support/test-build.mjs), elsewhere (the benchmarks) the loader.
 */
function program(entry: string): string[] {
  return testBuild()
    ? ['--enable-source-maps', builtPath(entry)]
    : ['--import', '@swc-node/register/esm-register', entry];
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A TypeScript app (a test's or a benchmark's) in a Node process of its own,
 * talking to its parent in stdout lines: `ready`, `in-flight`, a JSON report.
 */
export class ChildApp {
  stdout = '';
  stderr = '';
  /** Its complete stdout lines so far. */
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly lineListeners: ((line: string) => void)[] = [];
  // 'close', not 'exit': only then has all of the child's output arrived.
  private readonly closed: Promise<ChildExit>;

  private constructor(
    readonly entry: string,
    options: ChildAppOptions,
  ) {
    this.child = spawn(
      process.execPath,
      [...(options.nodeFlags ?? []), ...program(entry), ...(options.args ?? [])],
      {
        cwd: root,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', options.stderr ?? 'pipe'],
        ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
      },
    );
    let partial = '';
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (text: string) => {
      this.stdout += text;
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) this.said(line);
    });
    // A last line without a newline is still a line, once the child is done.
    this.child.stdout!.on('end', () => partial && this.said(partial));
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (text: string) => (this.stderr += text));
    this.closed = new Promise((resolve) =>
      this.child.on('close', (code, signal) => resolve({ code, signal })),
    );
  }

  private said(line: string): void {
    this.lines.push(line);
    for (const listener of [...this.lineListeners]) listener(line);
  }

  /** Starts `entry` (a TypeScript file, its path from the package root). */
  static start(entry: string, options: ChildAppOptions = {}): ChildApp {
    return new ChildApp(entry, options);
  }

  /** Calls `listener` with every complete stdout line from now on. */
  onLine(listener: (line: string) => void): void {
    this.lineListeners.push(listener);
  }

  /**
   * Resolves once the child printed `line` as a line of its own, at index
   * `from` or later; with the index after it, to wait for the next one.
   * Fails if the child exits first, or after `timeoutMs` (scaled by the
   * machine's load: a bound for hangs).
   */
  waitForLine(line: string, { from = 0, timeoutMs = 30_000 } = {}): Promise<number> {
    const at = this.lines.indexOf(line, from);
    if (at >= 0) return Promise.resolve(at + 1);
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        done();
        reject(new Error(`${this.entry} ${why} before it said ${line}: ${this.stderr}`));
      };
      const bound = hangBound(timeoutMs);
      const timer = setTimeout(() => fail(`took ${bound} ms`), bound);
      const listener = (said: string) => {
        if (said !== line || this.lines.length - 1 < from) return;
        done();
        resolve(this.lines.length);
      };
      const done = () => {
        clearTimeout(timer);
        this.lineListeners.splice(this.lineListeners.indexOf(listener), 1);
      };
      this.lineListeners.push(listener);
      void this.closed.then(() => this.lineListeners.includes(listener) && fail('exited'));
    });
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Sends `signal` and waits for the child to exit (see `exit()`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs?: number): Promise<ChildExit> {
    this.signal(signal);
    return this.exit(timeoutMs);
  }

  /**
   * Waits for the child to exit and its output to arrive. After `timeoutMs`
   * (scaled by the machine's load: a bound for hangs) it is SIGKILLed, so no
   * test or benchmark leaves it behind, and this fails.
   */
  async exit(timeoutMs = 60_000): Promise<ChildExit> {
    let timer: NodeJS.Timeout | undefined;
    const bound = hangBound(timeoutMs);
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.signal('SIGKILL');
        reject(new Error(`${this.entry} did not exit within ${bound} ms: ${this.stderr}`));
      }, bound);
    });
    try {
      return await Promise.race([this.closed, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs `entry` to its end, as `execFileSync` would: its stdout, or an error if it failed. */
export async function runChildApp(
  entry: string,
  options: ChildAppOptions & { timeoutMs?: number } = {},
): Promise<string> {
  const child = ChildApp.start(entry, options);
  const { code, signal } = await child.exit(options.timeoutMs);
  if (code !== 0) {
    throw new Error(`${entry} failed (${signal ?? `exit code ${code}`}): ${child.stderr}`);
  }
  return child.stdout;
}
