import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { framesIn, segmentsIn, type FrameAt } from '../support/disk-log.js';
import { runLoadApp, type LoadAppRun } from '../support/run-load-app.js';
import { acceptedIdsOf, FaultWorld, publishers, sleep } from './harness.js';
import { score } from './scorecard.js';

/**
 * Invariant 8 on the disk buffer, end to end: the buffer's state is damaged
 * between two runs as a crash or an operator would leave it, and a restarted
 * child app must start, count the damage, log where it is, deliver everything
 * the damage did not destroy, and go on accepting and delivering what it
 * publishes. The run before the damage is in this process where a clean stop
 * will do (it is quicker to boot), a child where it must be killed.
 */
describe('faults: damage to the disk buffer’s state', () => {
  let world: FaultWorld;
  beforeEach(async () => (world = await new FaultWorld().start()));
  afterEach(() => world.stop());

  const bufferDir = () => join(world.dir, 'buffer');
  const ledgerPath = () => join(bufferDir(), 'ledger.json');
  const lastSegment = () => segmentsIn(bufferDir()).at(-1)!;
  const buffer = () => ({ type: 'disk' as const, path: bufferDir() });

  /**
   * Publishes 5,000 records in this process and stops cleanly; with
   * `leaveInLog`, the database refuses connections meanwhile, so they all stay
   * in the log, unread by any sink. Returns the accepted ids.
   */
  async function firstRun({ leaveInLog }: { leaveInLog: boolean }): Promise<string[]> {
    const first = await world.boot({
      topics: [{ topic: 'load', bufferSize: 20_000 }],
      buffer: buffer(),
      broker: { shutdownTimeoutMs: 200 },
    });
    world.proxy.refuse(leaveInLog);
    const outcomes = await publishers(10, 500, (p, i) =>
      first.engine('load').publish({ data: i, name: 'load', location: `0p${p}`, context: 'c' }),
    );
    if (!leaveInLog) await first.broker.flush();
    await world.close(first.app);
    world.proxy.refuse(false);
    return acceptedIdsOf(outcomes);
  }

  /**
   * A child app on the scenario's buffer, database and file, signalled once it
   * accepted 5,000 records; with `killAfterOutage`, SIGKILLed after the
   * database refused it for half a second, so its last records stay in the log.
   */
  async function childRun(
    tag: string,
    options: { killAfterOutage?: boolean; adoptLocks?: string[] } = {},
  ): Promise<LoadAppRun> {
    const outcome = await runLoadApp({
      store: { url: world.proxiedUrl },
      dir: world.dir,
      file: join(world.dir, 'log.txt'),
      signal: options.killAfterOutage ? 'SIGKILL' : 'SIGTERM',
      buffer: buffer(),
      run: tag,
      adoptLocks: options.adoptLocks,
      ...(options.killAfterOutage && {
        beforeSignal: async () => {
          world.proxy.refuse(true);
          await sleep(500);
        },
      }),
    });
    world.proxy.refuse(false);
    return outcome;
  }

  /**
   * Whether a child lived until it was told to stop, shut down as asked (no
   * exit of its own), and accepted records after the damage.
   */
  const ranUntilStopped = (r: LoadAppRun) =>
    r.report !== undefined &&
    (r.exit.code === 0 || r.exit.signal === 'SIGTERM') &&
    r.report.accepted >= 5_000;

  const storedIds = async () =>
    new Set((await world.db.query<{ id: string }>('SELECT id FROM metadata')).map((r) => r.id));

  /** Each sink's name and position in the ledger: `[sink, [segment, offset]]`. */
  const ledgerPositions = () =>
    Object.entries(
      (JSON.parse(readFileSync(ledgerPath(), 'utf8')) as { sinks: Record<string, number[]> }).sinks,
    );

  /** Whether the frames stop short of `size`: a record torn there, which recovery cuts. */
  const endsTorn = (frames: FrameAt[], size: number) => (frames.at(-1)?.end ?? 8) !== size;

  it('a stale ledger: the log loses its tail, then every segment, and the ledger is kept', async () => {
    const firstIds = await firstRun({ leaveInLog: false });
    // An OS crash with sync 'interval' loses the page cache: the log ends on a page boundary
    // before where the ledger, written after it, has each sink.
    const segment = lastSegment();
    const bytes = readFileSync(segment);
    const sinks = ledgerPositions();
    const behind = Math.min(...sinks.map(([, [, offset]]) => offset));
    const cut = Math.floor(behind / 2 / 4096) * 4096;
    const torn = endsTorn(framesIn(bytes.subarray(0, cut)), cut);
    const storedBeforeCut = await storedIds();
    const destroyed = framesIn(bytes)
      .filter((f) => f.end > cut && !storedBeforeCut.has(f.id))
      .map((f) => f.id);
    truncateSync(segment, cut);
    const afterCut = await childRun('s1');
    // Then an operator deletes the segments and keeps ledger.json.
    const storedBeforeDelete = await storedIds();
    for (const path of segmentsIn(bufferDir())) {
      for (const f of framesIn(readFileSync(path))) {
        if (!storedBeforeDelete.has(f.id)) destroyed.push(f.id);
      }
      rmSync(path);
    }
    const afterDelete = await childRun('s2');

    const tally = await world.tally([...firstIds, ...afterDelete.resolvedIds]);
    const logged = (r: LoadAppRun) =>
      sinks.every(([sink]) => r.output.includes(`ledger ${ledgerPath()}: sink ${sink} is at `));
    expect(
      score('stale-ledger', tally, {
        allowedLoss: destroyed.length,
        checks: {
          ranAfterCut: ranUntilStopped(afterCut),
          ranAfterDelete: ranUntilStopped(afterDelete),
          // One per sink the ledger put past the end, and the record the cut tore.
          cutCounted: afterCut.report?.buffer?.corrupt === sinks.length + (torn ? 1 : 0),
          deleteCounted: afterDelete.report?.buffer?.corrupt === sinks.length,
          loggedWithLedgerPath: logged(afterCut) && logged(afterDelete),
          lostExactlyTheDestroyed: tally.lost === destroyed.length,
        },
      }),
    ).toBe(true);
  });

  it('a flipped length: one bit in a frame’s length in the last segment, whole records after it', async () => {
    const firstIds = await firstRun({ leaveInLog: true });
    const segment = lastSegment();
    const bytes = readFileSync(segment);
    const frames = framesIn(bytes);
    // Far enough from the end that a thousand whole records follow it.
    const victim = frames[frames.length - 1_001];
    const length = bytes.readUInt32LE(victim.start);
    // The lowest bit that makes the length reach past the segment's end, as a torn write would.
    let bit = 0;
    while ((length & (1 << bit)) !== 0 || victim.start + 8 + (length | (1 << bit)) <= bytes.length)
      bit++;
    bytes.writeUInt32LE(length ^ (1 << bit), victim.start);
    writeFileSync(segment, bytes);
    const restart = await childRun('f1');

    const tally = await world.tally([...firstIds, ...restart.resolvedIds]);
    const stored = await world.db.query<{ id: string }>('SELECT id FROM metadata WHERE id = $1', [
      victim.id,
    ]);
    expect(
      score('flipped-length', tally, {
        allowedLoss: 1,
        checks: {
          ran: ranUntilStopped(restart),
          counted: restart.report?.buffer?.corrupt === 1,
          loggedWithSegmentAndOffset: restart.output.includes(
            `${segment}: the record at byte ${victim.start} `,
          ),
          lostExactlyTheFlippedOne: tally.lost === 1 && stored.length === 0,
        },
      }),
    ).toBe(true);
  });

  it('a garbage tail: 8 MiB of random bytes after the last record', async () => {
    const firstIds = await firstRun({ leaveInLog: true });
    const segment = lastSegment();
    const end = readFileSync(segment).length;
    appendFileSync(segment, randomBytes(8 << 20));
    const restart = await childRun('g1');

    const tally = await world.tally([...firstIds, ...restart.resolvedIds]);
    expect(
      score('garbage-tail', tally, {
        checks: {
          ran: ranUntilStopped(restart),
          // Cut as one torn end: nothing whole follows the last record.
          counted: restart.report?.buffer?.corrupt === 1,
          loggedWithSegmentAndOffset:
            restart.output.includes(segment) && restart.output.includes(`at byte ${end}`),
        },
      }),
    ).toBe(true);
  });

  it('own-PID locks: a killed child’s LOCK and file lock, naming the PID the restart has', async () => {
    const killed = await childRun('k0', { killAfterOutage: true });
    const segment = lastSegment();
    const bytes = readFileSync(segment);
    const frames = framesIn(bytes);
    // Written, but the kill came before the child reported the publish resolved: at most one
    // per publisher. They are accepted (in the log), so they must arrive.
    const reported = new Set(killed.resolvedIds);
    const unreported = segmentsIn(bufferDir())
      .flatMap((path) => framesIn(readFileSync(path)))
      .filter((f) => !reported.has(f.id))
      .map((f) => f.id);
    // In a container the restarted process is PID 1 again: the child makes the locks its own
    // PID's, with the killed one's start time and boot id, before it opens them.
    const restart = await childRun('k1', {
      adoptLocks: [join(bufferDir(), 'LOCK'), join(world.dir, 'log.txt.lock')],
    });

    const tally = await world.tally([...restart.resolvedIds, ...unreported]);
    expect(
      score('own-pid-lock', tally, {
        checks: {
          ran: ranUntilStopped(restart),
          unreportedInFlight: unreported.length <= 20,
          // A stale lock is no damage; a write the kill tore is.
          counted: restart.report?.buffer?.corrupt === (endsTorn(frames, bytes.length) ? 1 : 0),
        },
      }),
    ).toBe(true);
  });
});
