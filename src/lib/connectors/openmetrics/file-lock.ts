import { readFile, rm, writeFile } from 'node:fs/promises';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { errorMessages } from '../../metaqueue.messages.js';

/**
 * Takes `lockPath` for this process: a file holding its PID, created only if
 * absent. A lock whose process is gone (a crash) is taken over; one whose
 * process lives means another writer has `path`, and throws saying which.
 */
export async function lockFile(lockPath: string, path: string): Promise<void> {
  for (;;) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(await readFile(lockPath, 'utf8').catch(() => ''));
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new MetaqueueConfigError(errorMessages.fileInUse(path, holder, lockPath));
    }
    await rm(lockPath, { force: true });
  }
}

export async function unlockFile(lockPath: string): Promise<void> {
  await rm(lockPath, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it lives, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
