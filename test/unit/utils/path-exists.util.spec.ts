import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathExists } from '../../../src/lib/utils/path-exists.util.js';

describe('pathExists', () => {
  it('says whether a file or a directory is there, never throwing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'metaqueue-exists-'));
    try {
      await writeFile(join(dir, 'file'), '');
      expect(await pathExists(join(dir, 'file'))).toBe(true);
      expect(await pathExists(dir)).toBe(true);
      expect(await pathExists(join(dir, 'missing'))).toBe(false);
      expect(await pathExists(join(dir, 'file', 'below-a-file'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
