import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { errorMessages } from '../../metaqueue.messages.js';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { comparePositions, earliest, type LogPosition } from './log-position.js';

const ledgerVersion = 1;

/**
 * Each sink's acknowledged position in the log, kept in `<dir>/ledger.json`:
 * where the sink replays from at the next start.
 */
export class LogLedger {
  private readonly positions = new Map<string, LogPosition>();
  readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, 'ledger.json');
  }

  get sinks(): number {
    return this.positions.size;
  }

  /** Puts each sink where the last run left it, none before `first`, the start of the log. */
  load(sinks: readonly string[], first: LogPosition): void {
    const known = this.read();
    for (const sink of sinks) {
      const position = known.get(sink);
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
   * Replaces the file, synchronously: an acknowledgement is on disk before
   * the next batch of its sink starts. A rename makes it whole or absent.
   */
  save(): void {
    if (this.positions.size === 0) return;
    const sinks = Object.fromEntries(
      [...this.positions].map(([s, p]) => [s, [p.segment, p.offset]]),
    );
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: ledgerVersion, sinks }));
    renameSync(tmp, this.path);
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

  private read(): Map<string, LogPosition> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return new Map();
    }
    const ledger = JSON.parse(text) as { version: number; sinks: Record<string, [number, number]> };
    if (ledger.version !== ledgerVersion) {
      throw new MetaqueueConfigError(
        errorMessages.bufferVersion(this.path, ledger.version, [ledgerVersion]),
      );
    }
    return new Map(
      Object.entries(ledger.sinks).map(([sink, [segment, offset]]) => [sink, { segment, offset }]),
    );
  }
}
