import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { endOfExposition } from './openmetrics-format.js';
import { familyFiles, type OpenMetricsSpool } from './openmetrics-spool.js';
import type { SeriesMergeThread } from './series-merge-thread.js';

/** A rotated file, `<path>.<n>`, and the spool it is joined from while it is made. */
export interface Rotation {
  /** `<path>.<n>.spool` */
  spool: string;
  /** `<path>.<n>` */
  target: string;
}

/**
 * Turns spools into files: joins a spool's family files into a complete
 * exposition, `# EOF` last, written to a temporary file and renamed into
 * place, so a reader never sees half of one. Rotated files sit beside the
 * path as `<path>.1`, `<path>.2`, … (oldest first); this numbers them.
 * Given a merge thread (in series), each family file is merged into its
 * series as it is joined, there (see `SeriesMergeThread`); without, it is
 * copied as it is.
 */
export class ExpositionAssembler {
  private nextIndex = 1;
  /** Samples merged into another of their series and millisecond, since startup. */
  merged = 0;

  constructor(
    private readonly path: string,
    private readonly fsync: boolean,
    private readonly mergeThread?: SeriesMergeThread,
  ) {}

  /**
   * The rotations an earlier run left (a file, or a spool a crash left
   * before it became one); numbering goes on after the highest.
   */
  async existingRotations(): Promise<Rotation[]> {
    const pattern = new RegExp(`^${escapeRegExp(basename(this.path))}\\.(\\d+)(\\.spool)?$`);
    const indexes = new Set<number>();
    for (const name of await readdir(dirname(this.path))) {
      const index = pattern.exec(name)?.[1];
      if (index) indexes.add(Number(index));
    }
    this.nextIndex = Math.max(0, ...indexes) + 1;
    return [...indexes].map((n) => this.rotation(n));
  }

  /** Takes the next rotated file's number. */
  nextRotation(): Rotation {
    return this.rotation(this.nextIndex++);
  }

  /** Moves the live spool aside as the next rotation, and joins it into its rotated file. */
  async rotate(live: OpenMetricsSpool): Promise<void> {
    const { spool, target } = this.nextRotation();
    await live.moveTo(spool);
    await this.assemble(spool, target);
  }

  /** Joins a spool's family files into `target` atomically, then removes the spool. */
  async assemble(spool: string, target: string): Promise<void> {
    const files = await familyFiles(spool).catch(() => [] as string[]);
    const tmp = `${target}.tmp`;
    const out = await open(tmp, 'w');
    let complete = false;
    let merged = 0;
    try {
      for (const file of files) merged += await this.copyFamily(join(spool, file), out);
      await out.write(endOfExposition);
      // Durable on disk only when asked for, as the spool is.
      if (this.fsync) await out.sync();
      complete = true;
    } finally {
      await out.close();
      // A half-written copy is of no use: the spool still has it all.
      if (!complete) await rm(tmp, { force: true });
    }
    await rename(tmp, target).catch(async (error: unknown) => {
      await rm(tmp, { force: true });
      throw error;
    });
    await rm(spool, { recursive: true, force: true });
    // Counted once the file is in place: a join that failed is tried again whole.
    this.merged += merged;
  }

  /** One family file into `out`: merged into its series, or as it is. Returns how many samples merged. */
  private async copyFamily(file: string, out: FileHandle): Promise<number> {
    // The thread writes to the same open file, so its bytes land where this join stands.
    if (this.mergeThread) return this.mergeThread.mergeInto(file, out.fd);
    const source = await open(file, 'r');
    try {
      for await (const chunk of source.createReadStream({
        autoClose: false,
        highWaterMark: 1 << 20,
      })) {
        await out.write(chunk as Buffer);
      }
    } finally {
      await source.close();
    }
    return 0;
  }

  private rotation(n: number): Rotation {
    return { spool: `${this.path}.${n}.spool`, target: `${this.path}.${n}` };
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
