import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirement } from './requirement.js';

/** Mounts a tmpfs of `size` at a new directory, if this machine lets us (root, no sandbox refusal). */
export function mountTmpfs(size: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-full-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0) {
    return dir;
  }
  rmSync(dir, { recursive: true, force: true });
  return undefined;
}

export function unmount(dir: string): void {
  spawnSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Fills the disk at `dir` with a file of its own, so that about `leftBytes`
 * stay free; returns the file, whose removal frees the space again.
 */
export function fillDisk(dir: string, leftBytes = 0): string {
  const { bavail, bsize } = statfsSync(dir);
  const filler = join(dir, 'filler');
  writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - leftBytes)));
  return filler;
}

const probe = mountTmpfs('64k');
if (probe) unmount(probe);

/** For tests that fill a small disk: skipped, saying why, where mounting is refused; never faked. */
export const onSmallDisk = requirement(
  'a small tmpfs mounted by the test',
  probe !== undefined,
  'mount -t tmpfs needs root, and a machine that allows it; this one refused',
  { optionalInCi: true },
);
