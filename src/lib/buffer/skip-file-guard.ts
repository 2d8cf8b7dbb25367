import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { MetadataRecord } from '../record/metadata.interface.js';
import type { ReplayGuard } from './replay-guard.interface.js';

/**
 * The replay guard of a buffer one process reads in order (memory, disk).
 * A durable buffer replays from the last position a sink acknowledged, which
 * can be behind the sink's copy by the batch being acknowledged when the
 * process died: the ids of a crashed copy are skipped, once. They are kept
 * in `<copy>.skip` until the batch that passed them is acknowledged, and
 * that acknowledgement is on disk where the buffer keeps one (`kept`), so a
 * second crash during the replay does not forget them.
 */
export class SkipFileGuard implements ReplayGuard {
  private readonly path: string;
  /** Ids a crashed copy holds, while the replay has not passed them. */
  private skipped?: Set<string>;
  /** The replay passed the skipped ids: the file goes once that batch is acknowledged. */
  private ended = false;

  constructor(
    copy: string,
    /** Whether every acknowledgement so far is kept (the disk log's ledger saved); memory keeps none. */
    private readonly kept: () => Promise<boolean> = () => Promise.resolve(true),
  ) {
    this.path = `${copy}.skip`;
  }

  async open(): Promise<undefined> {
    const kept = await readIds(this.path);
    if (kept.size > 0) this.skipped = kept;
    return undefined;
  }

  /** One process wrote the copy: it keeps every id, and each is skipped once when replayed. */
  async settle(ids: ReadonlySet<string>): Promise<ReadonlySet<string>> {
    const skipped = new Set([...(this.skipped ?? []), ...ids]);
    // Kept before the copy is finished: from then on only this file has them.
    await writeIds(this.path, skipped);
    this.skipped = skipped;
    return ids;
  }

  async admit(
    records: readonly MetadataRecord[],
    write: (admitted: readonly MetadataRecord[]) => Promise<void>,
  ): Promise<void> {
    // A sink's batches come one at a time, each acknowledged before the next: the batch
    // that ended the replay is acknowledged by now.
    if (this.ended) await this.forget();
    const skipped = this.skipped;
    const admitted = skipped ? records.filter((record) => !skipped.has(record.id)) : records;
    await write(admitted);
    // Replay is in order: a record the crashed copy did not have means it has passed them all.
    if (skipped && admitted.length > 0) {
      this.skipped = undefined;
      this.ended = true;
    }
  }

  async close(): Promise<void> {
    if (this.ended) await this.forget();
  }

  /** Removes the skip file once the acknowledgement that passed its ids is kept; else tries at the next batch. */
  private async forget(): Promise<void> {
    if (!(await this.kept())) return;
    await rm(this.path, { force: true });
    this.ended = false;
  }
}

/** The ids a skip file holds, one per line; none when there is no file. */
async function readIds(path: string): Promise<Set<string>> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  return new Set(text.split('\n').filter(Boolean));
}

/** Replaces the file at `path` with `ids`, one per line, in one rename. */
async function writeIds(path: string, ids: ReadonlySet<string>): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, [...ids].join('\n'));
  await rename(tmp, path);
}
