import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

const probe = mountTmpfs('64k');
if (probe) unmount(probe);

/** For tests that fill a small disk: skipped, saying why, where mounting is refused; never faked. */
export const onSmallDisk = requirement(
  'a small tmpfs mounted by the test',
  probe !== undefined,
  'mount -t tmpfs needs root, and a machine that allows it; this one refused',
  { optionalInCi: true },
);
