import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaqueueConfigError } from '../../../src/lib/errors/metaqueue.errors.js';
import {
  holderLine,
  readPidLock,
  releasePidLock,
  takePidLock,
} from '../../../src/lib/utils/pid-lock.js';
import { requirement } from '../../support/requirement.js';

const onLinux = existsSync('/proc/self/stat');
const linuxIt = requirement(
  '/proc (Linux)',
  onLinux,
  'it tells a process start from an earlier one',
).it;

let dir: string;
let lock: string;
let sleeper: ChildProcess | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'metaqueue-pid-lock-'));
  lock = join(dir, 'LOCK');
});
afterEach(async () => {
  if (sleeper && sleeper.exitCode === null && sleeper.signalCode === null) {
    const exited = once(sleeper, 'exit');
    sleeper.kill();
    await exited;
  }
  sleeper = undefined;
  rmSync(dir, { recursive: true, force: true });
});

class InUse extends Error {
  constructor(readonly pid: number) {
    super(`in use by ${pid}`);
  }
}
const take = () => takePidLock(lock, (pid) => new InUse(pid));
const holderIn = () => readFileSync(lock, 'utf8').trim().split(' ');

/** A live process other than this one, which did not take the lock. */
function liveOther(): number {
  sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  return sleeper.pid!;
}

/** A PID that names no process any more. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;

describe('takePidLock', () => {
  it('creates the lock holding this PID, its start time and the boot id; release removes it', async () => {
    await take();
    const [pid, startTime, bootId] = holderIn();
    expect(Number(pid)).toBe(process.pid);
    if (onLinux) {
      expect(startTime).toMatch(/^\d+$/);
      expect(bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    }
    await releasePidLock(lock);
    expect(existsSync(lock)).toBe(false);
  });

  it('refuses a lock a live other process took, naming that process', async () => {
    const pid = liveOther();
    writeFileSync(lock, holderLine(pid));
    await expect(take()).rejects.toEqual(new InUse(pid));
    expect(Number(holderIn()[0])).toBe(pid);
  });

  it('refuses an old lock holding only the PID of a live other process, as before', async () => {
    const pid = liveOther();
    writeFileSync(lock, String(pid));
    await expect(take()).rejects.toEqual(new InUse(pid));
  });

  it('refuses a lock this very process took (a second user in the same process)', async () => {
    await take();
    await expect(take()).rejects.toEqual(new InUse(process.pid));
  });

  linuxIt(
    'takes over a lock with this PID from an earlier start (a restarted container)',
    async () => {
      const [, startTime, bootId] = holderLine(process.pid).trim().split(' ');
      writeFileSync(lock, `${process.pid} ${Number(startTime) - 1} ${bootId}\n`);
      await take();
      expect(holderIn()).toEqual(holderLine(process.pid).trim().split(' '));
    },
  );

  linuxIt('takes over an old lock holding only this PID', async () => {
    writeFileSync(lock, String(process.pid));
    await take();
    expect(Number(holderIn()[0])).toBe(process.pid);
    expect(holderIn()).toHaveLength(3);
  });

  it('takes over a lock whose process is gone, and says whose it was', async () => {
    const pid = deadPid();
    writeFileSync(lock, holderLine(pid));
    expect(await take()).toEqual({ pid });
    expect(Number(holderIn()[0])).toBe(process.pid);
  });

  it('takes a free lock without a word of a stale one', async () => {
    expect(await take()).toBeUndefined();
  });

  linuxIt(
    'takes over a lock whose PID now names another process (another start time)',
    async () => {
      const pid = liveOther();
      const [, startTime, bootId] = holderLine(pid).trim().split(' ');
      writeFileSync(lock, `${pid} ${Number(startTime) + 1} ${bootId}\n`);
      await take();
      expect(Number(holderIn()[0])).toBe(process.pid);
    },
  );

  linuxIt('takes over a lock taken before a reboot (another boot id)', async () => {
    const pid = liveOther();
    const [, startTime] = holderLine(pid).trim().split(' ');
    writeFileSync(lock, `${pid} ${startTime} 00000000-0000-0000-0000-000000000000\n`);
    await take();
    expect(Number(holderIn()[0])).toBe(process.pid);
  });

  it.each([[''], ['not a pid'], ['-3']])(
    'takes over a lock naming no process: %j',
    async (text) => {
      writeFileSync(lock, text);
      expect(await take()).toEqual({ pid: undefined });
      expect(Number(holderIn()[0])).toBe(process.pid);
    },
  );

  it('says which lock file cannot be used, and what to do, when it is a directory', async () => {
    mkdirSync(lock);
    const error = await take().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetaqueueConfigError);
    expect((error as Error).message).toContain(`Cannot use the lock file ${lock}`);
    expect((error as Error).message).toMatch(/remove it/);
  });

  it('says which lock file cannot be used when its directory is gone', async () => {
    const missing = join(dir, 'gone', 'LOCK');
    await expect(takePidLock(missing, (pid) => new InUse(pid))).rejects.toThrow(
      `Cannot use the lock file ${missing}`,
    );
  });
});

describe('readPidLock', () => {
  it('names the holder and whether it lives, and leaves the lock as it is', async () => {
    expect(await readPidLock(lock)).toBeUndefined();
    const pid = liveOther();
    writeFileSync(lock, holderLine(pid));
    expect(await readPidLock(lock)).toEqual({ pid, held: true });
    const gone = deadPid();
    writeFileSync(lock, holderLine(gone));
    expect(await readPidLock(lock)).toEqual({ pid: gone, held: false });
    expect(readFileSync(lock, 'utf8')).toBe(holderLine(gone));
  });
});
