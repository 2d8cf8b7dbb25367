import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MetaqueueConfigError } from '../../lib/errors/metaqueue.errors.js';
import { pgliteDataDir } from '../../lib/store/data-source.factory.js';
import { pgliteLockPath } from '../../lib/store/pglite/pglite-directory.js';
import { readPidLock } from '../../lib/utils/pid-lock.js';
import { cliMessages } from '../cli.messages.js';
import { CliError, exitCodes } from '../exit-codes.js';
import type { RecordPages } from './record-pages.interface.js';
import { ServerPages } from './server-pages.js';
import { StorePages } from './store-pages.js';

/** Where a command reads records: the options of `records` and `export`. */
export interface SourceOptions {
  url?: string;
  /** From --database-url, else DATABASE_URL; empty is none. */
  databaseUrl?: string;
  pgliteDir?: string;
}

/**
 * The records' source, in this order: the server `--url` names; the
 * PostgreSQL database `--database-url` (or DATABASE_URL) names; else the
 * embedded store's directory. That directory is opened only if no process
 * holds it: when one does, it is read through the example server's address
 * (http://localhost:$PORT, 3000 by default) if an app answers GET /metadata
 * there, and refused otherwise. `notice` hears which source was taken, when
 * it is not the one asked for.
 */
export async function openRecordPages(
  options: SourceOptions,
  notice: (line: string) => void,
): Promise<RecordPages> {
  if (options.url !== undefined) return new ServerPages(options.url);
  if (options.databaseUrl) return StorePages.open({ url: options.databaseUrl });
  // The app's own default when none is given; never in memory, so always a directory.
  const dataDir = pgliteDataDir({ dataDir: options.pgliteDir })!;
  // Opening a directory without a database would make one: an empty store, and a wrong answer.
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new CliError(cliMessages.noEmbeddedStore(dataDir), exitCodes.usage);
  }
  const lockPath = pgliteLockPath(dataDir);
  const lock = await readPidLock(lockPath).catch((error: unknown) => {
    // A lock file that cannot be read (a directory, no permission): the library says which.
    if (error instanceof MetaqueueConfigError)
      throw new CliError(error.message, exitCodes.unavailable);
    throw error;
  });
  if (lock?.held) {
    const server = `http://localhost:${process.env.PORT || 3000}`;
    if (!(await ServerPages.answers(server))) {
      throw new CliError(
        cliMessages.storeHeld(dataDir, lock.pid, lockPath, server),
        exitCodes.unavailable,
      );
    }
    notice(cliMessages.readingThrough(dataDir, lock.pid, server));
    return new ServerPages(server);
  }
  return StorePages.open({ pglite: { dataDir } });
}
