import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogDirectory } from '../../../../src/lib/buffer/disk/log-directory.js';
import { MetaqueueConfigError } from '../../../../src/lib/errors/metaqueue.errors.js';
import { logDir, segmentFile } from '../../../support/disk-log.js';
import { fillDisk, mountTmpfs, onSmallDisk, unmount } from '../../../support/small-disk.js';
import { requirement } from '../../../support/requirement.js';

let dir: string;
beforeEach(() => (dir = logDir()));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('LogDirectory', () => {
  it('lists its segments oldest first, and nothing else', async () => {
    for (const segment of [10, 2, 1]) writeFileSync(segmentFile(dir, segment), '');
    writeFileSync(join(dir, 'ledger.json'), '{}');
    writeFileSync(join(dir, '12.seg'), '');
    const log = new LogDirectory(dir);
    expect(await log.segments()).toEqual([1, 2, 10]);
    await log.remove(2);
    expect(await log.segments()).toEqual([1, 10]);
  });

  it('creates the directory and takes its LOCK; unlock frees it', async () => {
    const path = join(dir, 'buffer');
    const log = new LogDirectory(path);
    await log.open();
    expect(Number(readFileSync(join(path, 'LOCK'), 'utf8').split(' ')[0])).toBe(process.pid);
    await expect(new LogDirectory(path).open()).rejects.toThrow(
      `The disk buffer directory ${path} is in use by process ${process.pid}`,
    );
    await log.unlock();
    expect(existsSync(join(path, 'LOCK'))).toBe(false);
    await new LogDirectory(path).open();
  });

  // Where /proc tells this start from an earlier one.
  const linuxIt = requirement(
    '/proc (Linux)',
    existsSync('/proc/self/stat'),
    'it tells a process start from an earlier one',
  ).it;
  linuxIt(
    'takes over a LOCK a crash left with this PID alone (a restarted container)',
    async () => {
      writeFileSync(join(dir, 'LOCK'), String(process.pid));
      await new LogDirectory(dir).open();
    },
  );

  it('says what to do with a LOCK that is a directory', async () => {
    mkdirSync(join(dir, 'LOCK'));
    const error = await new LogDirectory(dir).open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetaqueueConfigError);
    expect((error as Error).message).toContain(`Cannot use the lock file ${join(dir, 'LOCK')}`);
  });

  /** The message `open()` of a directory at `path` fails with. */
  const failure = (path: string) =>
    new LogDirectory(path).open().then(
      () => 'opened',
      (error: Error) => (error instanceof MetaqueueConfigError ? error.message : error.stack),
    );

  it('says where, and what to do, when a file stands where the directory should be', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const under = join(dir, 'a-file', 'buffer');
    expect(await failure(under)).toMatch(
      new RegExp(
        `^Cannot use the disk buffer directory ${under}: .*ENOTDIR.*A part of the path is a file`,
      ),
    );
    expect(await failure(join(dir, 'a-file'))).toMatch(
      new RegExp(
        `^Cannot use the disk buffer directory ${join(dir, 'a-file')}: .*EEXIST.*It is a file, not a directory`,
      ),
    );
  });

  it('says where, and what to do, when the user may not write there', async () => {
    const parent = join(dir, 'private');
    mkdirSync(parent, { mode: 0o700 });
    chmodSync(parent, 0o500);
    const path = join(parent, 'buffer');
    // Root may write anywhere: the check runs as nobody, then root again.
    const asRoot = process.geteuid?.() === 0;
    if (asRoot) process.seteuid!(65534);
    try {
      expect(await failure(path)).toMatch(
        new RegExp(
          `^Cannot use the disk buffer directory ${path}: .*EACCES.*give that user read and write permission`,
        ),
      );
    } finally {
      if (asRoot) process.seteuid!(0);
    }
  });

  onSmallDisk.describe('on a disk of its own', () => {
    let disk: string;
    beforeEach(() => (disk = mountTmpfs('64k')!));
    afterEach(() => unmount(disk));

    it('says where, and what to do, on a read-only filesystem', async () => {
      const path = join(disk, 'buffer');
      mkdirSync(path);
      expect(spawnSync('mount', ['-o', 'remount,ro', disk]).status).toBe(0);
      expect(await failure(path)).toMatch(
        new RegExp(`^Cannot use the disk buffer directory ${path}: .*EROFS.*mounted read-only`),
      );
    });

    it('says where, and what to do, when the disk is full', async () => {
      const path = join(disk, 'buffer');
      mkdirSync(path);
      fillDisk(disk);
      expect(await failure(path)).toMatch(
        new RegExp(`^Cannot use the lock file ${join(path, 'LOCK')}: .*ENOSPC.*The disk is full`),
      );
    });
  });
});
