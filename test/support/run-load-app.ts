import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  BrokerOptions,
  BrokerStats,
  BufferOptions,
  EngineCounters,
  StoreOptions,
} from '../../src/lib/index.js';
import { ChildApp, type ChildExit } from '../harness/child-app.js';
import { hangBound } from './hang-bound.js';

export interface LoadAppRun {
  /** The child's counters, if it lived to report them (not after SIGKILL). */
  report?: EngineCounters & {
    signal?: string;
    sinks: BrokerStats['sinks'];
    buffer?: BrokerStats['buffer'];
  };
  /** What the child logged as errors. */
  stderr: string;
  /** Everything the child printed: its warnings (on stdout) and errors, among its lines. */
  output: string;
  /** How it ended. */
  exit: ChildExit;
  /** Exactly the ids whose publish resolved: the child appended each to a file of its own. */
  resolvedIds: string[];
  /** Whether the signal went out while the child said its store was writing a batch. */
  killedInFlight: boolean;
}

/**
 * Runs test/support/load-app.ts and signals it once records flow: with
 * `whileWriting`, only when the child says its store is writing a batch,
 * once it has stored some. A child that never says so is signalled after
 * 20 s anyway (scaled by the load), and `killedInFlight` is false.
 */
export async function runLoadApp(options: {
  store: StoreOptions;
  /** Where the child keeps its ids file, and `file` if set. */
  dir: string;
  /** The OpenMetrics file, if the child is to write one. */
  file?: string;
  signal: 'SIGTERM' | 'SIGKILL';
  whileWriting?: boolean;
  /** Once records flow: awaited, then the signal goes out (instead of waiting for a write). */
  beforeSignal?: () => Promise<void>;
  /** Run the child as this user and group id (to test file permissions as root). */
  uid?: number;
  /** Broker options over the child's own. */
  broker?: BrokerOptions;
  /** Store through the app's own TypeOrmModule DataSource over `store`'s database. */
  typeorm?: boolean;
  buffer?: BufferOptions;
  /** Tags this run's records (`location` is `<run>p<publisher>`); the ids file is shared by runs. */
  run?: string;
  /** Lock files the child makes its own PID's before it starts (see load-app.ts). */
  adoptLocks?: string[];
}): Promise<LoadAppRun> {
  const idsFile = join(options.dir, 'accepted-ids');
  const child = ChildApp.start('test/support/load-app.ts', {
    uid: options.uid,
    env: {
      METAQUEUE_TEST_STORE: JSON.stringify(options.store),
      METAQUEUE_TEST_FILE: options.file ?? '',
      METAQUEUE_TEST_IDS: idsFile,
      METAQUEUE_TEST_BROKER: JSON.stringify(options.broker ?? {}),
      METAQUEUE_TEST_TYPEORM: options.typeorm ? '1' : '',
      METAQUEUE_TEST_BUFFER: options.buffer ? JSON.stringify(options.buffer) : '',
      METAQUEUE_TEST_RUN: options.run ?? '',
      METAQUEUE_TEST_ADOPT_LOCKS: JSON.stringify(options.adoptLocks ?? []),
    },
  });
  let ready = false;
  let signalled = false;
  let killedInFlight = false;
  let stored = false;
  const signal = () => {
    signalled = true;
    child.signal(options.signal);
  };
  const giveUp = setTimeout(signal, hangBound(20_000));
  child.onLine((line) => {
    if (signalled) return;
    if (!ready && line === 'ready') {
      ready = true;
      if (options.beforeSignal) void options.beforeSignal().then(signal);
      else if (!options.whileWriting) signal();
    }
    if (line === 'stored') stored = true;
    // A batch under way after others were stored, however long they took on a loaded machine.
    if (options.whileWriting && line === 'in-flight' && stored && ready) {
      killedInFlight = true;
      signal();
    }
  });
  const exit = await child.exit().finally(() => clearTimeout(giveUp));
  if (!signalled) {
    throw new Error(
      `load app exited (${exit.code}) before it was signalled: ${child.stderr} ${child.stdout.slice(-500)}`,
    );
  }
  // The report is the one JSON line; `in-flight` lines may follow it while shutdown ends.
  const report = child.lines.find((line) => line.startsWith('{'));
  return {
    report: report ? (JSON.parse(report) as LoadAppRun['report']) : undefined,
    stderr: child.stderr,
    output: child.stdout + child.stderr,
    exit,
    resolvedIds: readFileSync(idsFile, 'utf8')
      .split('\n')
      .filter((line) => line.length === 36),
    killedInFlight,
  };
}
