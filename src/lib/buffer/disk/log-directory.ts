import { constants } from 'node:fs';
import { access, mkdir, open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../../errors/describe-error.util.js';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { errorMessages } from '../../metaqueue.messages.js';
import { releasePidLock, takePidLock, type StaleLock } from '../../utils/pid-lock.js';

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

  /**
   * Creates the directory if need be, and takes the lock; throws a config
   * error if it cannot. Returns the stale lock a crash left, if it took one over.
   */
  async open(): Promise<StaleLock | undefined> {
    try {
      await mkdir(this.path, { recursive: true });
      await access(this.path, constants.W_OK | constants.R_OK | constants.X_OK);
    } catch (error) {
      throw new MetaqueueConfigError(
        errorMessages.bufferNotWritable(this.path, describeError(error), remedyFor(error)),
      );
    }
    const stale = await takePidLock(
      this.lockPath,
      (pid) => new MetaqueueConfigError(errorMessages.bufferLocked(this.path, pid)),
    );
    this.locked = true;
    return stale;
  }

  segmentPath(segment: number): string {
    return join(this.path, `${String(segment).padStart(16, '0')}.seg`);
  }

  /** The segments on disk, oldest first; throws a config error naming one that is not a file. */
  async segments(): Promise<number[]> {
    const segments: number[] = [];
    for (const entry of await readdir(this.path, { withFileTypes: true })) {
      const number = segmentName.exec(entry.name)?.[1];
      if (number === undefined) continue;
      if (!entry.isFile()) {
        throw new MetaqueueConfigError(
          errorMessages.bufferSegmentNotAFile(join(this.path, entry.name)),
        );
      }
      segments.push(Number(number));
    }
    return segments.sort((a, b) => a - b);
  }

  /**
   * A failure while opening the log, as a config error that names the
   * directory and says what to do (a config error stays as it is).
   */
  openingError(error: unknown): Error {
    if (error instanceof MetaqueueConfigError) return error;
    return new MetaqueueConfigError(
      errorMessages.bufferCannotOpen(this.path, describeError(error), remedyFor(error)),
    );
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

  get lockPath(): string {
    return join(this.path, 'LOCK');
  }
}

function remedyFor(error: unknown): string {
  return errorMessages.pathRemedy(
    (error as NodeJS.ErrnoException).code,
    'Choose a directory metaqueue can create, read and write, of its own.',
  );
}
