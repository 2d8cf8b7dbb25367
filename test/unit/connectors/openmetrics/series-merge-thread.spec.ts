import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeSeries } from '../../../../src/lib/connectors/openmetrics/series-merge.mjs';
import { SeriesMergeThread } from '../../../../src/lib/connectors/openmetrics/series-merge-thread.js';

describe('SeriesMergeThread', () => {
  let dir: string;
  let thread: SeriesMergeThread;
  const merge = { rule: 'sum', keepId: false } as const;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'metaqueue-merge-thread-'));
    thread = new SeriesMergeThread(merge);
  });
  afterEach(async () => {
    await thread.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A family file of `count` samples over 3 series, two to a millisecond. */
  const familyFile = (name: string, count: number) => {
    const lines = ['# TYPE rows gauge'];
    for (let i = 0; i < count; i++) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      lines.push(`rows{id="${id}",topic="t${i % 3}"} ${i} ${1764412345 + Math.floor(i / 6)}.000`);
    }
    const file = join(dir, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };

  it('gives the bytes and count mergeSeries gives on this thread', async () => {
    const file = familyFile('1', 1_200);
    const { text, merged } = mergeSeries(readFileSync(file, 'utf8'), merge);
    const joined = await thread.mergeFile(file);
    expect(Buffer.from(joined.bytes).toString('utf8')).toBe(text);
    expect(joined.merged).toBe(merged);
    expect(merged).toBe(600);
  });

  it("rejects with the file system's error, and joins again after it and after close", async () => {
    await expect(thread.mergeFile(join(dir, 'missing'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    const file = familyFile('2', 12);
    expect((await thread.mergeFile(file)).merged).toBe(6);
    await thread.close();
    expect((await thread.mergeFile(file)).merged).toBe(6);
  });
});
