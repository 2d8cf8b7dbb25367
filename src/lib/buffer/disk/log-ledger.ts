import type { LoggerService } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { describeError } from '../../errors/describe-error.util.js';
import { errorMessages, logMessages } from '../../metaqueue.messages.js';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { comparePositions, earliest, type LogPosition } from './log-position.js';
import { WriteFailures } from './write-failures.js';
import { CoalescingRunner } from '../../utils/coalescing-runner.util.js';

const ledgerVersion = 1;

/**
 * Each sink's acknowledged position in the log, kept in `<dir>/ledger.json`:
 * where the sink replays from at the next start. A ledger that is damaged,
 * or ahead of the log it describes, is logged, counted, and read as far as
 * it can be: nothing published afterwards is held back by it.
 */
export class LogLedger {
  private readonly positions = new Map<string, LogPosition>();
  readonly path: string;
  /** Positions found past the end of the log, and ledgers that could not be read. */
  damaged = 0;
  private readonly failures: WriteFailures;
  /** The last save failed: the file is behind the positions held here. */
  private behind = false;
  /** Saves, one at a time: one asked for during another runs once after it. */
  private readonly saves = new CoalescingRunner(() => this.write());

  constructor(
    dir: string,
    private readonly logger: LoggerService,
  ) {
    this.path = join(dir, 'ledger.json');
    this.failures = new WriteFailures(logger, {
      failed: logMessages.bufferLedgerWriteFailed,
      outOfSpace: logMessages.bufferLedgerDiskFull,
      recovered: () => logMessages.bufferLedgerRecovered(this.path),
    });
  }

  /** Saves that failed (a full disk, an I/O error). */
  get failedWrites(): number {
    return this.failures.count;
  }

  get sinks(): number {
    return this.positions.size;
  }

  /**
   * Puts each sink where the last run left it, none before `first`, the
   * start of the log, and none past `end`, where the log ends now.
   */
  load(sinks: readonly string[], first: LogPosition, end: LogPosition): void {
    const known = this.storedPositions();
    for (const sink of sinks) {
      let position = known.get(sink);
      if (position && comparePositions(position, end) > 0) {
        this.damaged++;
        this.logger.warn(
          logMessages.bufferLedgerAhead(this.path, sink, describe(position), describe(end)),
        );
        position = end;
      }
      this.positions.set(
        sink,
        position && comparePositions(position, first) > 0 ? position : first,
      );
    }
  }

  /** The position of the sink furthest behind; `undefined` with no sinks. */
  earliest(): LogPosition | undefined {
    return earliest(this.positions.values());
  }

  /** Moves `sink` to `end` if that is ahead of it; whether it moved. The caller saves. */
  advance(sink: string, end: LogPosition): boolean {
    const position = this.positions.get(sink);
    if (!position || comparePositions(end, position) <= 0) return false;
    this.positions.set(sink, end);
    return true;
  }

  /**
   * Replaces the file with the positions held now, off the event loop (a
   * synchronous write and rename held it 1.4 ms an acknowledgement here);
   * `saved()` says when. A save asked for during one runs once after it.
   * A rename makes the file whole or absent. A save that fails (a full
   * disk) is logged once per cause and counted; the positions stay here and
   * `saveIfBehind` tries again. Meanwhile a restart replays more, never less.
   */
  save(): void {
    if (this.positions.size === 0) return;
    // Never rejects: a failed write is counted and logged.
    void this.saves.run();
  }

  /**
   * Resolves once the positions held when it was called are on disk, or
   * their save failed: the source waits for it before it hands out a batch,
   * so an acknowledgement is on disk before the next batch of its sink.
   */
  saved(): Promise<void> {
    return this.saves.settled();
  }

  /** Whether the file holds every position here, once the saves under way are done. */
  async kept(): Promise<boolean> {
    await this.saved();
    return !this.behind;
  }

  private async write(): Promise<void> {
    const sinks = Object.fromEntries(
      [...this.positions].map(([s, p]) => [s, [p.segment, p.offset]]),
    );
    const tmp = `${this.path}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify({ version: ledgerVersion, sinks }));
      await rename(tmp, this.path);
    } catch (error) {
      // Never read, but a half-written tmp holds space that a full disk needs.
      // A tmp that cannot be removed (a directory) fails the next save too, and is logged then.
      await rm(tmp, { force: true }).catch(() => undefined);
      this.behind = true;
      this.failures.failed(error, tmp);
      return;
    }
    this.behind = false;
    this.failures.succeeded();
  }

  /** Saves again if the last save failed: space may have been freed since. */
  saveIfBehind(): void {
    if (this.behind) this.save();
  }

  /**
   * For a batch read from the log, at `offsets`: the records each sink that
   * already had its first ones (a replay) still needs.
   */
  owed(records: MetadataRecord[], offsets: LogPosition[]): Map<string, MetadataRecord[]> {
    const forSink = new Map<string, MetadataRecord[]>();
    for (const [sink, position] of this.positions) {
      if (comparePositions(position, offsets[0]) <= 0) continue;
      let had = 0;
      while (had < offsets.length && comparePositions(offsets[had], position) < 0) had++;
      forSink.set(sink, records.slice(had));
    }
    return forSink;
  }

  /**
   * The positions the file holds, as it holds them, reading only; none when
   * there is no file, or it cannot be read (logged, and counted in `damaged`).
   */
  storedPositions(): Map<string, LogPosition> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      return this.unreadable(describeError(error));
    }
    let ledger: unknown;
    try {
      ledger = JSON.parse(text);
    } catch (error) {
      return this.unreadable(describeError(error));
    }
    const { version, sinks } = (ledger ?? {}) as { version?: unknown; sinks?: unknown };
    // A newer format is refused rather than misread; anything else unreadable is damage.
    if (typeof version === 'number' && version !== ledgerVersion) {
      throw new MetaqueueConfigError(
        errorMessages.bufferVersion(this.path, version, [ledgerVersion]),
      );
    }
    if (version !== ledgerVersion || typeof sinks !== 'object' || sinks === null) {
      return this.unreadable('not a ledger: no version 1 and sinks');
    }
    const positions = new Map<string, LogPosition>();
    for (const [sink, position] of Object.entries(sinks)) {
      if (!isPosition(position)) return this.unreadable(`sink ${sink} has no [segment, offset]`);
      positions.set(sink, { segment: position[0], offset: position[1] });
    }
    return positions;
  }

  private unreadable(reason: string): Map<string, LogPosition> {
    this.damaged++;
    this.logger.error(logMessages.bufferLedgerUnreadable(this.path, reason));
    return new Map();
  }
}

function isPosition(value: unknown): value is [number, number] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)
  );
}

function describe({ segment, offset }: LogPosition): string {
  return `segment ${segment} byte ${offset}`;
}
