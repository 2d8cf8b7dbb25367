import { Logger } from '@nestjs/common';
import { constants } from 'node:fs';
import {
  access,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  truncate,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { MetaqueueConfigError, MetaqueueError } from '../../errors/metaqueue.errors.js';
import { defaults } from '../../metaqueue.defaults.js';
import { errorMessages, logMessages } from '../../metaqueue.messages.js';
import { assertOption, optionRules } from '../../utils/assert-option.util.js';
import { describeError } from '../../errors/describe-error.util.js';
import type { ConnectorContext, MetadataConnector } from '../metadata-connector.interface.js';
import type { ReplayGuard } from '../../buffer/replay-guard.interface.js';
import { SkipFileGuard } from '../../buffer/skip-file-guard.js';
import type { OpenMetricsFileOptions } from './openmetrics-file-options.interface.js';
import { releasePidLock, takePidLock } from '../../utils/pid-lock.js';
import { endOfExposition, familyHeader, SampleRenderer } from './openmetrics-format.js';

/**
 * Writes every record to a file in OpenMetrics text: the seed's
 * `StoreToLocalhost(path)`, in a format Prometheus tooling reads.
 *
 * OpenMetrics forbids interleaving families, so each batch is appended to a
 * spool directory (`<path>.spool/`), one file per family, each starting with
 * its TYPE line: a write costs its batch only. Spool files are numbered, never
 * named after a metric: user data makes no file name, and each stays open
 * between batches. At rotation and at close
 * they are joined into a complete exposition, `# EOF` last, and renamed into
 * place atomically. The path has one writer: `<path>.lock` holds its PID.
 *
 * A spool a crash left is settled with the buffer's replay guard before it
 * is finished: with a buffer a fleet shares, records another worker claimed
 * and wrote are dropped from it; each spool names its writer in a file
 * `writer` for that. The records a crashed spool keeps are not written again.
 */
export class OpenMetricsFileConnector implements MetadataConnector {
  private static readonly logger = new Logger('OpenMetricsFileConnector');
  readonly name: string;
  private readonly path: string;
  private readonly spoolDir: string;
  /** Held from open() to close(), so a second writer of the same path fails at startup. */
  private readonly lockPath: string;
  private locked = false;
  private readonly maxFileBytes: number;
  private readonly fsync: boolean;
  /** Each family's spool file, and its bytes of whole batches: a failed write is cut back to these. */
  private families = new Map<string, Spool>();
  /** The spool files open, least recently written first. */
  private openSpools = new Set<Spool>();
  private spoolBytes = 0;
  /** Records in the live spool, for the log if it is deleted. */
  private spooledRecords = 0;
  /** Set when a write failed: the spool may hold part of a batch until it is cut back. */
  private dirty = false;
  private nextRotation = 1;
  /** Keeps a record a crashed spool already has from being written again (see `ReplayGuard`). */
  private guard!: ReplayGuard;
  /** This run's writer name, kept in each spool it starts: set with a fleet's buffer. */
  private writer?: string;
  /** Spools a crash left that could not be settled yet (`<path>.<n>.spool`), with their target. */
  private unsettled: { spool: string; target: string }[] = [];
  private settling?: Promise<void>;

  constructor(options: OpenMetricsFileOptions) {
    assertOption(owner, 'path', options?.path, optionRules.path);
    this.path = resolve(options.path);
    this.spoolDir = `${this.path}.spool`;
    this.lockPath = `${this.path}.lock`;
    this.maxFileBytes = options.maxFileBytes ?? defaults.openMetricsFile.maxFileBytes;
    this.fsync = options.fsync ?? defaults.openMetricsFile.fsync;
    assertOption(owner, 'maxFileBytes', this.maxFileBytes, optionRules.positiveInteger);
    this.name = options.name ?? `OpenMetricsFileConnector(${options.path})`;
  }

  /** Checks the path is writable, keeps what an earlier run left, and starts a spool. */
  async open(context: ConnectorContext = {}): Promise<void> {
    this.guard = context.replayGuard?.(this.path) ?? new SkipFileGuard(this.path);
    const dir = dirname(this.path);
    try {
      await access(dir, constants.W_OK);
      if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
      const existing = await stat(this.path).catch(() => undefined);
      if (existing && !existing.isFile()) throw new Error('exists and is not a file');
    } catch (error) {
      throw new MetaqueueConfigError(
        errorMessages.fileNotWritable(this.path, (error as Error).message),
      );
    }
    await takePidLock(
      this.lockPath,
      (pid) => new MetaqueueConfigError(errorMessages.fileInUse(this.path, pid, this.lockPath)),
    );
    this.locked = true;
    try {
      this.writer = await this.guard.open();
      await this.recover();
    } catch (error) {
      await this.unlock();
      throw error;
    }
  }

  /** Finishes what an earlier run left: its rotations, its file, its spool. */
  private async recover(): Promise<void> {
    const rotated = await this.rotatedIndexes();
    this.nextRotation = Math.max(0, ...rotated) + 1;
    // Spools a crash left behind: finish their rotation (idempotent), then the live one.
    for (const n of rotated) {
      const leftover = `${this.path}.${n}.spool`;
      if (await exists(leftover)) await this.finishOrSetAside(leftover, `${this.path}.${n}`);
    }
    if (await exists(this.path)) await rename(this.path, `${this.path}.${this.nextRotation++}`);
    if (await exists(this.spoolDir)) {
      const n = this.nextRotation++;
      const crashed = `${this.path}.${n}.spool`;
      await rename(this.spoolDir, crashed);
      await this.finishOrSetAside(crashed, `${this.path}.${n}`);
    }
    await this.startSpool();
  }

  /** A spool that cannot be settled now waits, as it is, for a later write or the next start. */
  private async finishOrSetAside(spool: string, target: string): Promise<void> {
    const unsettled = await this.finishCrashed(spool, target);
    if (unsettled === undefined) return;
    this.unsettled.push({ spool, target });
    OpenMetricsFileConnector.logger.warn(logMessages.spoolUnsettled(spool, target, unsettled));
  }

  /**
   * Cuts a crashed spool's torn lines and finishes it, less what the replay
   * guard says another writer has. Returns why it could not be settled, if
   * the guard could not say.
   */
  private async finishCrashed(spool: string, target: string): Promise<string | undefined> {
    const ids = await this.recoverSpool(spool);
    let kept: ReadonlySet<string>;
    try {
      kept = await this.guard.settle(ids, await writerOf(spool));
    } catch (error) {
      return describeError(error);
    }
    if (kept.size < ids.size) await dropSamples(spool, (id) => !kept.has(id));
    await this.assemble(spool, target);
    return undefined;
  }

  /** Tries again, quietly, to settle the spools set aside; one try at a time. Never rejects. */
  private settleLeftovers(): Promise<void> {
    this.settling ??= (async () => {
      for (const leftover of this.unsettled.splice(0)) {
        const unsettled = await this.finishCrashed(leftover.spool, leftover.target).catch(
          (error: unknown) => describeError(error),
        );
        if (unsettled !== undefined) this.unsettled.push(leftover);
      }
    })().finally(() => (this.settling = undefined));
    return this.settling;
  }

  /** Makes the live spool directory, naming this run as its writer when a fleet shares the buffer. */
  private async startSpool(): Promise<void> {
    await mkdir(this.spoolDir, { recursive: true });
    if (this.writer) await writeFile(join(this.spoolDir, WRITER_FILE), this.writer);
  }

  async write(batch: readonly MetadataRecord[]): Promise<void> {
    // Records flow again, so the source may answer now; the write does not wait for it.
    if (this.unsettled.length > 0) void this.settleLeftovers();
    await this.guard.admit(batch, (records) => this.append(records));
  }

  private async append(records: readonly MetadataRecord[]): Promise<void> {
    if (this.spoolBytes >= this.maxFileBytes) await this.rotate();
    const samples = await renderByFamily(records);
    // The files stay open, so writing would go on into deleted ones: look first.
    if (!(await exists(this.spoolDir))) await this.restartDeletedSpool();
    if (this.dirty) await this.cutBack();
    const written = new Map<Spool, number>();
    try {
      for (const [family, pieces] of samples) {
        const spool = this.spoolOf(family);
        // A family's file starts with its TYPE line, so joining the files makes the exposition.
        if (spool.bytes === 0) pieces[0] = familyHeader(family);
        const bytes = Buffer.from(pieces.join(''));
        const handle = await this.handleOf(spool);
        await handle.appendFile(bytes);
        if (this.fsync) await handle.sync();
        written.set(spool, spool.bytes + bytes.length);
      }
    } catch (error) {
      this.dirty = true;
      throw error;
    }
    for (const [spool, size] of written) {
      this.spoolBytes += size - spool.bytes;
      spool.bytes = size;
    }
    this.spooledRecords += records.length;
  }

  /** Someone deleted the live spool: say what went with it, and start a new one. */
  private async restartDeletedSpool(): Promise<void> {
    OpenMetricsFileConnector.logger.error(
      logMessages.spoolDeleted(this.spoolDir, this.spooledRecords),
    );
    await this.closeSpool();
    this.dirty = false;
    await this.startSpool();
  }

  /**
   * A process killed mid-append leaves a family file ending in part of a
   * line: cut it (that batch was never acknowledged, so it comes again), and
   * read which ids the spool holds.
   */
  private async recoverSpool(spool: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const file of await familyFiles(spool)) {
      const path = join(spool, file);
      const text = await readFile(path, 'utf8');
      const whole = text.lastIndexOf('\n') + 1;
      if (whole < text.length) await truncate(path, Buffer.byteLength(text.slice(0, whole)));
      for (const match of text.slice(0, whole).matchAll(sampleId)) ids.add(match[1]);
    }
    return ids;
  }

  /** The family's spool file; a new family gets the next number, kept even if its first write fails. */
  private spoolOf(family: string): Spool {
    let spool = this.families.get(family);
    if (!spool) {
      spool = { file: String(this.families.size), bytes: 0, handle: undefined };
      this.families.set(family, spool);
    }
    return spool;
  }

  /**
   * The spool file's handle, kept open between batches; past `maxOpenSpools`
   * families the least recently written is closed, so many families cannot
   * use up the process's file descriptors.
   */
  private async handleOf(spool: Spool): Promise<FileHandle> {
    this.openSpools.delete(spool);
    if (!spool.handle) {
      if (this.openSpools.size >= maxOpenSpools) {
        const [oldest] = this.openSpools;
        this.openSpools.delete(oldest);
        await oldest.handle!.close();
        oldest.handle = undefined;
      }
      spool.handle = await open(join(this.spoolDir, spool.file), 'a');
    }
    this.openSpools.add(spool);
    return spool.handle;
  }

  /** A failed write may have appended part of a batch: cut it, so the retry cannot duplicate. */
  private async cutBack(): Promise<void> {
    for (const { file, bytes } of this.families.values()) {
      await truncate(join(this.spoolDir, file), bytes).catch((error: NodeJS.ErrnoException) => {
        // A family whose first write failed before its file was made has nothing to cut.
        if (error.code !== 'ENOENT') throw error;
      });
    }
    this.dirty = false;
  }

  /** Closes the spool files, which rotation and close are about to join. */
  private async closeSpool(): Promise<void> {
    const spools = [...this.openSpools];
    this.openSpools = new Set();
    this.families = new Map();
    this.spoolBytes = 0;
    this.spooledRecords = 0;
    for (const spool of spools) await spool.handle!.close();
  }

  /** Turns the spool into `<path>`, a complete exposition. */
  async close(): Promise<void> {
    // Not opened (or opening failed): the path may be another writer's.
    if (!this.locked) return;
    try {
      if (this.dirty) await this.cutBack();
      await this.guard.close();
      await this.closeSpool();
      await this.assemble(this.spoolDir, this.path);
      await this.settleLeftovers();
      for (const { spool } of this.unsettled) {
        OpenMetricsFileConnector.logger.warn(logMessages.spoolStillUnsettled(spool));
      }
    } catch (error) {
      throw new MetaqueueError(
        errorMessages.fileNotFinished(this.path, this.spoolDir, describeError(error)),
      );
    } finally {
      await this.unlock();
    }
  }

  /** Releases the lock if this connector holds it: never another writer's. */
  private async unlock(): Promise<void> {
    if (!this.locked) return;
    this.locked = false;
    await releasePidLock(this.lockPath);
  }

  private async rotate(): Promise<void> {
    const n = this.nextRotation++;
    const spool = `${this.path}.${n}.spool`;
    if (this.dirty) await this.cutBack();
    await this.closeSpool();
    await rename(this.spoolDir, spool);
    await this.startSpool();
    await this.assemble(spool, `${this.path}.${n}`);
  }

  /** Joins a spool's family files into `target` atomically, then removes the spool. */
  private async assemble(spool: string, target: string): Promise<void> {
    const files = await familyFiles(spool).catch(() => [] as string[]);
    const tmp = `${target}.tmp`;
    const out = await open(tmp, 'w');
    let complete = false;
    try {
      for (const file of files) {
        const source = await open(join(spool, file), 'r');
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
      }
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
  }

  private async rotatedIndexes(): Promise<number[]> {
    const pattern = new RegExp(`^${escapeRegExp(basename(this.path))}\\.(\\d+)(\\.spool)?$`);
    const names = await readdir(dirname(this.path));
    return [
      ...new Set(
        names
          .map((n) => pattern.exec(n)?.[1])
          .filter(Boolean)
          .map(Number),
      ),
    ];
  }
}

const owner = 'OpenMetricsFileConnector';
/** The file in a spool that names its writer; the family files are numbered. */
const WRITER_FILE = 'writer';
/** The id label that opens every sample's labels (see renderSample). */
const sampleId = /^[^{\n]*\{id="([^"]+)"/gm;
/** The same, for one line. */
const firstSampleId = new RegExp(sampleId.source);

interface Spool {
  /** Its name in the spool directory: a number. */
  file: string;
  bytes: number;
  handle: FileHandle | undefined;
}

/** Spool files kept open at once; more families than this reopen theirs as needed. */
const maxOpenSpools = 64;

/** Samples rendered this many at a time, so a big batch never holds the event loop for long. */
const samplesPerTurn = 2_500;

/**
 * Each family's samples as pieces to join once, the first left for a TYPE
 * line; rendered a slice per turn of the event loop.
 */
async function renderByFamily(records: readonly MetadataRecord[]): Promise<Map<string, string[]>> {
  const renderer = new SampleRenderer();
  const families = new Map<string, string[]>();
  for (let i = 0; i < records.length; i++) {
    if (i > 0 && i % samplesPerTurn === 0) await nextTurn();
    const record = records[i];
    let pieces = families.get(record.name);
    if (!pieces) families.set(record.name, (pieces = ['']));
    pieces.push(renderer.render(record));
  }
  return families;
}

/** A spool's family files: its numbered files. */
async function familyFiles(spool: string): Promise<string[]> {
  return (await readdir(spool)).filter((file) => /^\d+$/.test(file));
}

/** The writer a spool names, if it names one. */
function writerOf(spool: string): Promise<string | undefined> {
  return readFile(join(spool, WRITER_FILE), 'utf8').catch(() => undefined);
}

/** Rewrites a spool's family files without the samples of the ids to drop; a family left empty goes. */
async function dropSamples(spool: string, drop: (id: string) => boolean): Promise<void> {
  for (const file of await familyFiles(spool)) {
    const path = join(spool, file);
    const lines = (await readFile(path, 'utf8')).split('\n');
    const kept = lines.filter((line) => {
      const id = firstSampleId.exec(line)?.[1];
      return id === undefined || !drop(id);
    });
    if (kept.length === lines.length) continue;
    if (!kept.some((line) => firstSampleId.test(line))) await rm(path);
    else await writeFile(path, kept.join('\n'));
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
