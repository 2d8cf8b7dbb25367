import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskBuffer } from '../../../../src/lib/buffer/disk/disk-buffer.js';
import { resolveDiskBuffer } from '../../../../src/lib/buffer/disk/disk-buffer-options.js';
import { DiskRecordSource } from '../../../../src/lib/buffer/disk/disk-record-source.js';
import { MetaQueue, type MetadataRecord } from '../../../../src/lib/index.js';
import { records } from '../../../support/records.js';

describe('DiskBuffer', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'metaqueue-disk-buffer-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const buffer = () => new DiskBuffer(resolveDiskBuffer({ type: 'disk', path: dir, sync: 'none' }));

  it('is read and published to by one application', () => {
    expect(buffer().role).toBe('both');
  });

  it("settles an intake's offer only once the record is in the log, and reads it back from there", async () => {
    const disk = buffer();
    expect(disk.source).toBeInstanceOf(DiskRecordSource);
    const queue = new MetaQueue<MetadataRecord>({ bufferSize: 4 });
    const intake = disk.intake('t', queue);
    await disk.source.start(['store']);
    const [record] = records(1);
    expect(await intake.offer(record, () => undefined)).toBe('accepted');
    const segments = (await readdir(dir)).filter((f) => f.endsWith('.seg'));
    const log = (await Promise.all(segments.map((f) => readFile(join(dir, f), 'latin1')))).join('');
    expect(log).toContain(record.id);
    expect(queue.size).toBe(0);
    const batch = await disk.source.reader(10).next();
    expect(batch?.records.map((r) => r.id)).toEqual([record.id]);
    disk.source.acknowledge('store', batch!);
    disk.source.close();
    await disk.source.release();
  });
});
