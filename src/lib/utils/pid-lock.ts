import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { describeError } from '../errors/describe-error.util.js';
import { errorMessages } from '../metaqueue.messages.js';
import { readProcStat } from './proc-stat.util.js';

/** Who took a lock: a PID and, where /proc tells, when that process started and on which boot. */
interface LockHolder {
  readonly pid: number;
  /** Field 22 of `/proc/<pid>/stat`: clock ticks from boot to the process's start. */
  readonly startTime?: string;
  readonly bootId?: string;
}

/** A lock left by a process that is gone: its PID, when the file named one. */
export interface StaleLock {
  readonly pid?: number;
}

/**
 * Takes the lock file `path` for this process: created only if absent, it
 * holds `pid starttime bootid` (see `holderLine`). A lock whose taker is gone
 * is stale and taken over: its process ended, or its PID now names another
 * process (another start time, another boot), or it names this PID from an
 * earlier start (a restarted container is PID 1 again). A lock held by a live
 * process, this very one included, throws `refuse(pid)`. A lock file that
 * cannot be read or replaced (a directory, no permission) throws a config
 * error naming it. Returns the stale lock it took over, if any, for the
 * caller to say so: a crash was there before.
 */
export async function takePidLock(
  path: string,
  refuse: (pid: number) => Error,
): Promise<StaleLock | undefined> {
  const me = holderOf(process.pid);
  let stale: StaleLock | undefined;
  for (;;) {
    try {
      await writeFile(path, lineOf(me), { flag: 'wx' });
      return stale;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unusable(path, error);
    }
    const holder = await readHolder(path);
    if (holder && isHeld(holder, me)) throw refuse(holder.pid);
    stale = { pid: holder?.pid };
    await rm(path, { force: true }).catch((error: unknown) => {
      throw unusable(path, error);
    });
  }
}

/** A lock file's holder as read, and whether that process still holds it. */
export interface PidLockState {
  readonly pid: number;
  /** `false` for a stale lock: its process is gone, and the next `takePidLock` takes it over. */
  readonly held: boolean;
}

/**
 * Who holds the lock file `path`, read only: nothing is taken, written or
 * removed (a tool looking at a directory another process uses). `undefined`
 * when there is no lock, or it names no process. Throws a config error
 * naming a lock file that cannot be read.
 */
export async function readPidLock(path: string): Promise<PidLockState | undefined> {
  const holder = await readHolder(path);
  return holder && { pid: holder.pid, held: isHeld(holder, holderOf(process.pid)) };
}

/** Frees a lock this process took. */
export async function releasePidLock(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** The line a lock taken by process `pid` holds. */
export function holderLine(pid: number): string {
  return lineOf(holderOf(pid));
}

function lineOf({ pid, startTime, bootId }: LockHolder): string {
  return `${pid} ${startTime ?? '-'} ${bootId ?? '-'}\n`;
}

function holderOf(pid: number): LockHolder {
  return { pid, startTime: startTimeOf(pid), bootId: bootId() };
}

/** The lock's holder; `undefined` when it names none (released, or empty as an older version left it). */
async function readHolder(path: string): Promise<LockHolder | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unusable(path, error);
  }
  // An older version wrote the PID alone.
  const [pid, startTime, bootId] = text.trim().split(/\s+/);
  const holder = Number(pid);
  if (!Number.isSafeInteger(holder) || holder <= 0) return undefined;
  const known = (field?: string) => (field && field !== '-' ? field : undefined);
  return { pid: holder, startTime: known(startTime), bootId: known(bootId) };
}

function isHeld(holder: LockHolder, me: LockHolder): boolean {
  if (holder.bootId && me.bootId && holder.bootId !== me.bootId) return false;
  // This PID: held only if this very process took it (another app in it); else a restart's.
  if (holder.pid === me.pid) return me.startTime === undefined || holder.startTime === me.startTime;
  if (!isRunning(holder.pid)) return false;
  if (holder.startTime === undefined) return true;
  const startTime = startTimeOf(holder.pid);
  return startTime === undefined || startTime === holder.startTime;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it lives, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function startTimeOf(pid: number): string | undefined {
  return readProcStat(pid)?.field(22);
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function unusable(path: string, error: unknown): MetaqueueConfigError {
  const remedy = errorMessages.pathRemedy(
    (error as NodeJS.ErrnoException).code,
    errorMessages.lockRemedy(),
  );
  return new MetaqueueConfigError(errorMessages.lockUnusable(path, describeError(error), remedy));
}
