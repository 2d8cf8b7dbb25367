import type { LoggerService } from '@nestjs/common';
import {
  mkdir,
  open,
  readdir,
  rename,
  truncate,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { logMessages } from '../../metaqueue.messages.js';
import { pathExists } from '../../utils/path-exists.util.js';
import {
  perRecordShape,
  renderByFamily,
  SampleRenderer,
  type SampleShape,
} from './openmetrics-format.js';
import type { SeriesMergeThread } from './series-merge-thread.js';
import { SeriesNumbers } from './series-numbers.js';

/** The file in a spool that names its writer; the family files are numbered. */
export const WRITER_FILE = 'writer';

/** A spool's family files: its numbered files. */
export async function familyFiles(spool: string): Promise<string[]> {
  return (await readdir(spool)).filter((file) => /^\d+$/.test(file));
}

/**
 * The live spool, a directory beside the file (`<path>.spool/`). OpenMetrics
 * forbids interleaving families, so a batch is appended to one file per
 * family, each starting with its TYPE line: a write costs its batch only.
 * Family files are numbered, never named after a metric (user data makes no
 * file name), and each stays open between batches. A write that fails may
 * leave part of its batch: the spool is cut back to its last whole batch
 * before anything else touches it, so the retry cannot duplicate. In
 * series, the merge thread is told of every batch once it is written, and
 * of every move, so it holds the live spool merged (see `SeriesMergeThread`):
 * as numbers (see `SeriesNumbers`), or as the lines when each record is a
 * series of its own (its `id` a label).
 */
export class OpenMetricsSpool {
  /** Each family's file, and its bytes of whole batches: a failed write is cut back to these. */
  private families = new Map<string, FamilyFile>();
  /** The family files open, least recently written first. */
  private openFiles = new Set<FamilyFile>();
  private spoolBytes = 0;
  /** Records in the spool, for the log if it is deleted. */
  private spooledRecords = 0;
  /** Set when a write failed: the spool may hold part of a batch until it is cut back. */
  private dirty = false;
  /** This run's writer name, kept in each spool it starts: set with a fleet's buffer. */
  private writer?: string;
  /** Records of whole batches that were not written (non-numeric data, in series), since startup. */
  notWritten = 0;
  /** What numbers a family file's series, when the merge thread is told samples as numbers. */
  private readonly numbering?: SampleRenderer;

  constructor(
    readonly dir: string,
    private readonly fsync: boolean,
    private readonly logger: LoggerService,
    private readonly shape?: SampleShape,
    private readonly mergeThread?: SeriesMergeThread,
  ) {
    if (mergeThread && shape && !shape.labels.includes('id')) {
      this.numbering = new SampleRenderer(shape);
    }
  }

  /** Bytes of whole batches in the spool: what rotation is measured by. */
  get bytes(): number {
    return this.spoolBytes;
  }

  /** Makes the spool directory, naming `writer` in it when a fleet shares the buffer. */
  async start(writer?: string): Promise<void> {
    this.writer = writer;
    await this.makeDir();
  }

  /** Appends a batch, each record to its family's file; resolves once all of it is written. */
  async append(records: readonly MetadataRecord[]): Promise<void> {
    // The files stay open, so writing would go on into deleted ones: look first.
    if (!(await pathExists(this.dir))) await this.restartDeleted();
    await this.cutBack();
    // A family's file starts with its TYPE line, so joining the files makes the exposition.
    const { families: samples, notWritten } = await renderByFamily(
      records,
      this.shape ?? perRecordShape,
      (family) => this.fileOf(family),
    );
    const written = new Map<FamilyFile, { bytes: Buffer; header?: string }>();
    // The families are appended at once: a batch waits for its slowest file, not for the sum.
    // A handle closed to make room waits for its append (FileHandle.close does).
    const appends: Promise<void>[] = [];
    let opening: { error: unknown } | undefined;
    try {
      for (const [family, rendered] of samples) {
        const file = this.fileOf(family);
        const bytes = rendered.out.written();
        appends.push(this.appendTo(await this.handleOf(file), bytes));
        written.set(file, { bytes, header: rendered.header });
      }
    } catch (error) {
      opening = { error };
    }
    // Every append settles before the batch does, so a cut-back never races one.
    const failed = (await Promise.allSettled(appends)).find((a) => a.status === 'rejected');
    if (opening || failed) {
      this.dirty = true;
      throw opening ? opening.error : failed!.reason;
    }
    // The whole batch is written: only now may the merge thread count it as the spool's.
    for (const [file, { bytes, header }] of written) {
      // Counted first: handing the lines over to the thread empties `bytes`.
      this.spoolBytes += bytes.length;
      file.bytes += bytes.length;
      const path = join(this.dir, file.name);
      if (file.numbers) {
        this.mergeThread!.numbered(path, bytes.length, file.numbers.batch(header));
      } else {
        this.mergeThread?.appended(path, bytes);
      }
    }
    this.spooledRecords += records.length - notWritten;
    this.notWritten += notWritten;
  }

  private async appendTo(handle: FileHandle, bytes: Buffer): Promise<void> {
    await handle.appendFile(bytes);
    if (this.fsync) await handle.sync();
  }

  /** If a write failed, cuts what it may have appended, leaving whole batches only. */
  async cutBack(): Promise<void> {
    if (!this.dirty) return;
    for (const { name, bytes } of this.families.values()) {
      await truncate(join(this.dir, name), bytes).catch((error: NodeJS.ErrnoException) => {
        // A family whose first write failed before its file was made has nothing to cut.
        if (error.code !== 'ENOENT') throw error;
      });
    }
    this.dirty = false;
  }

  /** Closes the family files, which rotation and close are about to join; the next append starts afresh. */
  async close(): Promise<void> {
    const files = [...this.openFiles];
    this.openFiles = new Set();
    this.families = new Map();
    this.spoolBytes = 0;
    this.spooledRecords = 0;
    for (const file of files) await file.handle!.close();
  }

  /** Hands the spool over as it is, whole batches only, to `target`, and starts a new one. */
  async moveTo(target: string): Promise<void> {
    await this.cutBack();
    await this.close();
    await rename(this.dir, target);
    this.mergeThread?.moved(this.dir, target);
    await this.makeDir();
  }

  private async makeDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    if (this.writer) await writeFile(join(this.dir, WRITER_FILE), this.writer);
  }

  /** Someone deleted the spool: say what went with it, and start a new one. */
  private async restartDeleted(): Promise<void> {
    this.logger.error(logMessages.spoolDeleted(this.dir, this.spooledRecords));
    await this.close();
    this.dirty = false;
    this.mergeThread?.dropped(this.dir);
    await this.makeDir();
  }

  /** The family's file; a new family gets the next number, kept even if its first write fails. */
  private fileOf(family: string): FamilyFile {
    let file = this.families.get(family);
    if (!file) {
      file = {
        name: String(this.families.size),
        bytes: 0,
        handle: undefined,
        numbers: this.numbering && new SeriesNumbers(this.numbering),
      };
      this.families.set(family, file);
    }
    return file;
  }

  /**
   * The family file's handle, kept open between batches; past `maxOpenFiles`
   * families the least recently written is closed, so many families cannot
   * use up the process's file descriptors.
   */
  private async handleOf(file: FamilyFile): Promise<FileHandle> {
    this.openFiles.delete(file);
    if (!file.handle) {
      if (this.openFiles.size >= maxOpenFiles) {
        const [oldest] = this.openFiles;
        this.openFiles.delete(oldest);
        await oldest.handle!.close();
        oldest.handle = undefined;
      }
      file.handle = await open(join(this.dir, file.name), 'a');
    }
    this.openFiles.add(file);
    return file.handle;
  }
}

interface FamilyFile {
  /** Its name in the spool directory: a number. */
  name: string;
  bytes: number;
  handle: FileHandle | undefined;
  /** Its series' numbers, as the merge thread has them (see `SeriesNumbers`). */
  numbers?: SeriesNumbers;
}

/** Family files kept open at once; more families than this reopen theirs as needed. */
const maxOpenFiles = 64;
