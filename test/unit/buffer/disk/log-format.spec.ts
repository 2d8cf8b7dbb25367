import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readFrame } from '../../../../src/lib/buffer/disk/log-format.js';
import type { MetadataRecord } from '../../../../src/lib/index.js';
import { frameOf } from '../../../support/disk-log.js';
import { records } from '../../../support/records.js';

/** Records whose labels are long enough to be slices of their payload when split off it. */
function labelled(n: number): MetadataRecord<number>[] {
  return records(n).map((r, i) => ({
    ...r,
    topic: 'nightly_imports_topic',
    name: 'rows_imported_total',
    location: `warehouse_database_${i % 50}`,
    context: 'nightly import of the warehouse',
    publishedAt: new Date(1_764_412_345_000 + Math.floor(i / 100)),
  }));
}

/** Every frame of `log`, decoded. */
function readAll(log: Buffer): MetadataRecord[] {
  const read: MetadataRecord[] = [];
  for (let at = 0; at < log.length;) {
    const frame = readFrame(log, at, 2);
    if (frame.kind !== 'record') throw new Error(`frame at ${at} is ${frame.kind}`);
    read.push(frame.record);
    at += frame.bytes;
  }
  return read;
}

describe('log format 2', () => {
  it('reads back every field of a record as it was written', () => {
    const written = labelled(300);
    const read = readAll(Buffer.concat(written.map(frameOf)));
    expect(read).toEqual(written);
  });

  it('keeps no payload alive in a decoded record: its labels are shared, its id its own', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const n = 20_000;
    const log = Buffer.concat(labelled(n).map(frameOf));
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept = readAll(log);
    gc();
    const perRecord = (process.memoryUsage().heapUsed - before) / n;
    expect(kept).toHaveLength(n);
    // A record object, its id and its JSON: about 180 bytes. Split off the payload,
    // the id and four labels kept the whole payload (and a copy of each label): about 450.
    expect(perRecord).toBeLessThan(260);
  });
});
