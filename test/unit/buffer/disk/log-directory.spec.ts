import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogDirectory } from '../../../../src/lib/buffer/disk/log-directory.js';
import { MetaqueueConfigError } from '../../../../src/lib/errors/metaqueue.errors.js';
import { logDir, segmentFile } from '../../../support/disk-log.js';

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
  const linuxIt = existsSync('/proc/self/stat') ? it : it.skip;
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

  it('refuses a path that cannot be a directory', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    await expect(new LogDirectory(join(dir, 'a-file', 'buffer')).open()).rejects.toThrow(
      /Cannot use the disk buffer directory/,
    );
  });
});
