import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory for each test of the file, removed after it; the getter gives this test's. */
export function tempDirPerTest(prefix: string): () => string {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), `metaqueue-${prefix}-`))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}
