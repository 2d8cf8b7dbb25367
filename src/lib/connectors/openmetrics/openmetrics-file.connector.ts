import { constants } from 'node:fs';
import {
  access,
  appendFile,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  stat,
  truncate,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { MetadataRecord } from '../../engine/metadata.interface.js';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { defaults } from '../../metaqueue.defaults.js';
import { errorMessages } from '../../metaqueue.messages.js';
import { assertOption, optionRules } from '../../utils/assert-option.util.js';
import type { MetadataConnector } from '../metadata-connector.interface.js';
import type { OpenMetricsFileOptions } from './openmetrics-file-options.interface.js';
import { endOfExposition, familyHeader, renderSample } from './openmetrics-format.js';

/**
 * Writes every record to a file in OpenMetrics text: the seed's
 * `StoreToLocalhost(path)`, in a format Prometheus tooling reads.
 *
 * OpenMetrics forbids interleaving families, so each batch is appended to a
 * spool directory (`<path>.spool/`), one file per family, each starting with
 * its TYPE line: a write costs its batch only. Spool files are numbered, never
 * named after a metric: user data makes no file name. At rotation and at close
 * they are joined into a complete exposition, `# EOF` last, and renamed into
 * place atomically.
 */
export class OpenMetricsFileConnector implements MetadataConnector {
  readonly name: string;
  private readonly path: string;
  private readonly spoolDir: string;
  private readonly maxFileBytes: number;
  private readonly fsync: boolean;
  /** Each family's spool file, and its bytes of whole batches: a failed write is cut back to these. */
  private families = new Map<string, { file: string; bytes: number }>();
  private spoolBytes = 0;
  /** Set when a write failed: the spool may hold part of a batch until it is cut back. */
  private dirty = false;
  private nextRotation = 1;

  constructor(options: OpenMetricsFileOptions) {
    assertOption(owner, 'path', options?.path, optionRules.path);
    this.path = resolve(options.path);
    this.spoolDir = `${this.path}.spool`;
    this.maxFileBytes = options.maxFileBytes ?? defaults.openMetricsFile.maxFileBytes;
    this.fsync = options.fsync ?? defaults.openMetricsFile.fsync;
    assertOption(owner, 'maxFileBytes', this.maxFileBytes, optionRules.positiveInteger);
    this.name = options.name ?? `OpenMetricsFileConnector(${options.path})`;
  }

  /** Checks the path is writable, keeps what an earlier run left, and starts a spool. */
  async open(): Promise<void> {
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
    const rotated = await this.rotatedIndexes();
    this.nextRotation = Math.max(0, ...rotated) + 1;
    // Spools a crash left behind: finish their rotation (idempotent), then the live one.
    for (const n of rotated) {
      const leftover = `${this.path}.${n}.spool`;
      if (await exists(leftover)) await this.assemble(leftover, `${this.path}.${n}`);
    }
    if (await exists(this.path)) await rename(this.path, `${this.path}.${this.nextRotation++}`);
    if (await exists(this.spoolDir)) await this.rotate();
    await mkdir(this.spoolDir, { recursive: true });
  }

  async write(records: readonly MetadataRecord[]): Promise<void> {
    if (this.spoolBytes >= this.maxFileBytes) await this.rotate();
    const texts = new Map<string, string>();
    for (const record of records) {
      texts.set(record.name, (texts.get(record.name) ?? '') + renderSample(record));
    }
    if (this.dirty) await this.cutBack();
    const written = new Map<string, number>();
    try {
      for (const [family, text] of texts) {
        const spool = this.spoolFileOf(family);
        // A family's file starts with its TYPE line, so joining the files makes the exposition.
        const bytes = Buffer.from(spool.bytes === 0 ? familyHeader(family) + text : text);
        await appendFile(join(this.spoolDir, spool.file), bytes, { flush: this.fsync });
        written.set(family, spool.bytes + bytes.length);
      }
    } catch (error) {
      this.dirty = true;
      throw error;
    }
    for (const [family, size] of written) {
      const spool = this.families.get(family)!;
      this.spoolBytes += size - spool.bytes;
      spool.bytes = size;
    }
  }

  /** The family's spool file; a new family gets the next number, kept even if its first write fails. */
  private spoolFileOf(family: string): { file: string; bytes: number } {
    let spool = this.families.get(family);
    if (!spool) {
      spool = { file: String(this.families.size), bytes: 0 };
      this.families.set(family, spool);
    }
    return spool;
  }

  /** A failed write may have appended part of a batch: cut it, so the retry cannot duplicate. */
  private async cutBack(): Promise<void> {
    const whole = new Map([...this.families.values()].map(({ file, bytes }) => [file, bytes]));
    for (const file of await readdir(this.spoolDir)) {
      await truncate(join(this.spoolDir, file), whole.get(file) ?? 0);
    }
    this.dirty = false;
  }

  /** Turns the spool into `<path>`, a complete exposition. */
  async close(): Promise<void> {
    if (this.dirty) await this.cutBack();
    await this.assemble(this.spoolDir, this.path);
    this.families = new Map();
    this.spoolBytes = 0;
  }

  private async rotate(): Promise<void> {
    const n = this.nextRotation++;
    const spool = `${this.path}.${n}.spool`;
    await rename(this.spoolDir, spool);
    this.families = new Map();
    this.spoolBytes = 0;
    await mkdir(this.spoolDir);
    await this.assemble(spool, `${this.path}.${n}`);
  }

  /** Joins a spool's family files into `target` atomically, then removes the spool. */
  private async assemble(spool: string, target: string): Promise<void> {
    const files = await readdir(spool).catch(() => [] as string[]);
    const tmp = `${target}.tmp`;
    const out = await open(tmp, 'w');
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
    } finally {
      await out.close();
    }
    await rename(tmp, target);
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

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
