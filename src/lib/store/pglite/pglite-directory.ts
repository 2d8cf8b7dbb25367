import type { Results } from '@electric-sql/pglite';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { errorMessages } from '../../metaqueue.messages.js';
import { releasePidLock, takePidLock } from '../../utils/pid-lock.js';
import { PGliteThread, type EmbeddedDatabase } from './pglite-thread.js';

/**
 * The lock file beside an embedded database's directory (`<dataDir>.lock`),
 * naming the process that has it open. PGlite's own `postmaster.pid` names
 * no process (its PID is always -42), so it cannot tell a second process
 * that the directory is taken, nor tell a crash's leftover from a live one.
 */
export function pgliteLockPath(dataDir: string): string {
  return `${dataDir}.lock`;
}

/**
 * Opens embedded PGlite in `dataDir` for this process alone: two processes
 * writing one directory corrupt it. A directory a live process holds is
 * refused with a config error naming it and that process; a lock a crash left
 * is taken over. Closing the database frees the directory. Without a
 * `dataDir`, the database is in memory and nothing is locked.
 */
export async function openEmbeddedDatabase(dataDir?: string): Promise<EmbeddedDatabase> {
  if (dataDir === undefined) return PGliteThread.open();
  const lockPath = pgliteLockPath(dataDir);
  await takePidLock(
    lockPath,
    (pid) => new MetaqueueConfigError(errorMessages.pgliteInUse(dataDir, pid, lockPath)),
  );
  try {
    return new LockedDatabase(await PGliteThread.open(dataDir), lockPath);
  } catch (error) {
    await releasePidLock(lockPath);
    throw error;
  }
}

/** An embedded database that frees its directory's lock once it is closed. */
class LockedDatabase implements EmbeddedDatabase {
  private closing?: Promise<void>;

  constructor(
    private readonly db: EmbeddedDatabase,
    private readonly lockPath: string,
  ) {}

  get busy(): boolean {
    return this.db.busy;
  }

  query(sql: string, params?: unknown[]): Promise<Results> {
    return this.db.query(sql, params);
  }

  exec(sql: string): Promise<Results[]> {
    return this.db.exec(sql);
  }

  copy(sql: string, bytes: Uint8Array): Promise<void> {
    return this.db.copy(sql, bytes);
  }

  onIdle(listener: () => void): void {
    this.db.onIdle(listener);
  }

  close(): Promise<void> {
    this.closing ??= this.db.close().finally(() => releasePidLock(this.lockPath));
    return this.closing;
  }
}
