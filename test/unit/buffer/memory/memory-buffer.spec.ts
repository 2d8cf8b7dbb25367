import { MemoryBuffer } from '../../../../src/lib/buffer/memory/memory-buffer.js';
import { MemoryRecordSource } from '../../../../src/lib/buffer/memory/memory-record-source.js';
import { MetaQueue, type MetadataRecord } from '../../../../src/lib/index.js';
import { records } from '../../../support/records.js';

describe('MemoryBuffer', () => {
  it('is read and published to by one application', () => {
    expect(new MemoryBuffer().role).toBe('both');
  });

  it('gives each engine its own queue as its intake', () => {
    const buffer = new MemoryBuffer();
    const queue = new MetaQueue<MetadataRecord>({ bufferSize: 4 });
    expect(buffer.intake('t', queue)).toBe(queue);
  });

  it('reads, as its source, what waits in every intake', async () => {
    const buffer = new MemoryBuffer();
    expect(buffer.source).toBeInstanceOf(MemoryRecordSource);
    const a = buffer.intake('a', new MetaQueue<MetadataRecord>());
    const b = buffer.intake('b', new MetaQueue<MetadataRecord>());
    const [fromA, fromB] = [records(1, 'a')[0], records(1, 'b')[0]];
    void a.offer(fromA, () => undefined);
    void b.offer(fromB, () => undefined);
    expect(buffer.source.waiting).toBe(2);
    const batch = await buffer.source.reader(10).next();
    expect(batch?.records).toEqual([fromA, fromB]);
  });
});
