import { constants } from 'node:fs';
import { access, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { errorMessages } from '../../metaqueue.messages.js';
import { releasePidLock, takePidLock } from '../../utils/pid-lock.js';

const segmentName = /^(\d{16})\.seg$/;

/** Bytes read from a segment at once. */
export const segmentChunkBytes = 1 << 20;

/**
 * The buffer's directory: numbered segment files, and a lock file naming the
 * process that uses it (the ledger beside them is `LogLedger`'s).
 */
export class LogDirectory {
  private locked = false;

  constructor(readonly path: string) {}

  /** Creates the directory if need be, and takes the lock; throws a config error if it cannot. */
  async open(): Promise<void> {
    try {
      await mkdir(this.path, { recursive: true });
      await access(this.path, constants.W_OK | constants.R_OK);
      if (!(await stat(this.path)).isDirectory()) throw new Error('not a directory');
    } catch (error) {
      throw new MetaqueueConfigError(
        errorMessages.bufferNotWritable(this.path, (error as Error).message),
      );
    }
    await takePidLock(
      this.lockPath,
      (pid) => new MetaqueueConfigError(errorMessages.bufferLocked(this.path, pid)),
    );
    this.locked = true;
  }

  segmentPath(segment: number): string {
    return join(this.path, `${String(segment).padStart(16, '0')}.seg`);
  }

  /** The segments on disk, oldest first. */
  async segments(): Promise<number[]> {
    const names = await readdir(this.path);
    return names
      .map((name) => segmentName.exec(name)?.[1])
      .filter((n) => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  async remove(segment: number): Promise<void> {
    await unlink(this.segmentPath(segment));
  }

  /** Makes renames and new files in the directory durable. */
  async sync(): Promise<void> {
    const dir = await open(this.path, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async unlock(): Promise<void> {
    if (!this.locked) return;
    this.locked = false;
    await releasePidLock(this.lockPath);
  }

  private get lockPath(): string {
    return join(this.path, 'LOCK');
  }
}
