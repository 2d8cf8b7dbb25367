import { constants } from 'node:fs';
import {
  access,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { MetadataRecord } from '../../engine/metadata.interface.js';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { defaults } from '../../metaqueue.defaults.js';
import { messages } from '../../metaqueue.messages.js';
import type { MetadataConnector } from '../metadata-connector.interface.js';
import { renderExposition, renderSample } from './openmetrics-format.js';

export interface OpenMetricsFileOptions {
  /** The file; rotated files sit beside it as `<path>.1`, `<path>.2`, … (oldest first). */
  path: string;
  /** Rotate once this many bytes are written. Default 64 MiB. */
  maxFileBytes?: number;
  /** fsync after every batch. Default `false`. */
  fsync?: boolean;
}

/**
 * Writes every record to a file in OpenMetrics text: the seed's
 * `StoreToLocalhost(path)`, in a format Prometheus tooling reads.
 *
 * OpenMetrics forbids interleaving families, so batches are appended to a
 * spool (`<path>.spool`): a write costs its batch only. At rotation and at
 * close the spool becomes a complete exposition, families grouped and
 * `# EOF` last, written atomically.
 */
export class OpenMetricsFileConnector implements MetadataConnector {
  readonly name: string;
  private readonly path: string;
  private readonly spoolPath: string;
  private readonly maxFileBytes: number;
  private readonly fsync: boolean;
  private spool?: FileHandle;
  /** Bytes of whole batches in the spool; a failed write is cut back to this. */
  private spoolBytes = 0;
  private nextRotation = 1;

  constructor(options: OpenMetricsFileOptions) {
    if (typeof options?.path !== 'string' || options.path === '') {
      throw new MetaqueueConfigError(
        messages.invalidFileOption('path', options?.path, 'a file path'),
      );
    }
    this.path = resolve(options.path);
    this.spoolPath = `${this.path}.spool`;
    this.maxFileBytes = options.maxFileBytes ?? defaults.openMetricsFile.maxFileBytes;
    this.fsync = options.fsync ?? defaults.openMetricsFile.fsync;
    if (!(Number.isSafeInteger(this.maxFileBytes) && this.maxFileBytes > 0)) {
      throw new MetaqueueConfigError(
        messages.invalidFileOption('maxFileBytes', this.maxFileBytes, 'a positive integer'),
      );
    }
    this.name = `OpenMetricsFileConnector(${options.path})`;
  }

  /** Checks the path is writable, keeps what an earlier run left, and opens the spool. */
  async open(): Promise<void> {
    const dir = dirname(this.path);
    try {
      await access(dir, constants.W_OK);
      if ((await stat(dir)).isDirectory() === false) throw new Error('not a directory');
      const existing = await stat(this.path).catch(() => undefined);
      if (existing && !existing.isFile()) throw new Error('exists and is not a file');
    } catch (error) {
      throw new MetaqueueConfigError(messages.fileNotWritable(this.path, (error as Error).message));
    }
    const rotated = await this.rotatedIndexes();
    this.nextRotation = Math.max(0, ...rotated) + 1;
    // Spools a crash left behind: finish their rotation (idempotent), then the live one.
    for (const n of rotated) {
      const leftover = `${this.path}.${n}.spool`;
      if (await exists(leftover)) await this.assemble(leftover, `${this.path}.${n}`);
    }
    if (await exists(this.path)) await rename(this.path, `${this.path}.${this.nextRotation++}`);
    if (await exists(this.spoolPath)) await this.rotate();
    this.spool = await open(this.spoolPath, 'a');
    this.spoolBytes = 0;
  }

  async write(records: readonly MetadataRecord[]): Promise<void> {
    if (this.spoolBytes >= this.maxFileBytes) await this.rotate();
    this.spool ??= await open(this.spoolPath, 'a');
    let text = '';
    for (const record of records) text += renderSample(record);
    const bytes = Buffer.from(text);
    try {
      // A failed write may have appended part of the batch: cut it, so the retry cannot duplicate.
      await this.spool.truncate(this.spoolBytes);
      await this.spool.appendFile(bytes);
      if (this.fsync) await this.spool.sync();
    } catch (error) {
      await this.spool.truncate(this.spoolBytes).catch(() => undefined);
      throw error;
    }
    this.spoolBytes += bytes.length;
  }

  /** Turns the spool into `<path>`, a complete exposition. */
  async close(): Promise<void> {
    await this.spool?.close();
    this.spool = undefined;
    await this.assemble(this.spoolPath, this.path);
  }

  private async rotate(): Promise<void> {
    await this.spool?.close();
    this.spool = undefined;
    const n = this.nextRotation++;
    const spool = `${this.path}.${n}.spool`;
    await rename(this.spoolPath, spool);
    this.spoolBytes = 0;
    await this.assemble(spool, `${this.path}.${n}`);
  }

  /** Writes the exposition of a spool to `target` atomically, then removes the spool. */
  private async assemble(spool: string, target: string): Promise<void> {
    const samples = await readFile(spool, 'utf8').catch(() => '');
    const tmp = `${target}.tmp`;
    await writeFile(tmp, renderExposition(samples), { flush: true });
    await rename(tmp, target);
    await unlink(spool).catch(() => undefined);
  }

  private async rotatedIndexes(): Promise<number[]> {
    const base = basename(this.path);
    const pattern = new RegExp(`^${escapeRegExp(base)}\\.(\\d+)(\\.spool)?$`);
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

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
