import { MemoryRecordSource } from '../../../../src/lib/buffer/memory/memory-record-source.js';
import type {
  BatchReader,
  SourceBatch,
} from '../../../../src/lib/buffer/record-source.interface.js';
import { SkipFileGuard } from '../../../../src/lib/buffer/skip-file-guard.js';
import { TopicQueues } from '../../../../src/lib/buffer/topic-queues.js';
import { MetaQueue, type MetadataRecord } from '../../../../src/lib/index.js';
import { records } from '../../../support/records.js';

/** A source over one queue per topic, each holding `counts[i]` records; topics are a, b, … */
function sourceOver(...counts: number[]) {
  const queues = new TopicQueues();
  const queued: MetadataRecord[][] = [];
  counts.forEach((n, i) => {
    const topic = String.fromCharCode(97 + i);
    const queue = new MetaQueue<MetadataRecord>({ bufferSize: 10 });
    queues.add(topic, queue);
    queued.push(records(n, topic));
    for (const record of queued[i]) void queue.offer(record);
  });
  return { source: new MemoryRecordSource(queues), queues, queued };
}

/** Every batch a reader hands out, until it says the pass is done. */
async function readAll(reader: BatchReader): Promise<SourceBatch[]> {
  const batches: SourceBatch[] = [];
  for (let batch = await reader.next(); batch; batch = await reader.next()) batches.push(batch);
  return batches;
}

const topicsOf = (batch: SourceBatch) => batch.records.map((r) => r.topic).join('');

describe('MemoryRecordSource', () => {
  it('counts what waits in every queue', () => {
    expect(sourceOver(3, 2).source.waiting).toBe(5);
  });

  it('reads round-robin what waited when the reader was made, and leaves later records for the next', async () => {
    const { source, queues, queued } = sourceOver(3, 3);
    await source.start(['store']);
    const reader = source.reader(2);
    const late = records(1, 'a')[0];
    void queues.all()[0].offer(late);
    const batches = await readAll(reader);
    expect(batches.map(topicsOf)).toEqual(['aa', 'bb', 'ab']);
    const [a, b] = queued;
    expect(batches.map((batch) => batch.records)).toEqual([
      a.slice(0, 2),
      b.slice(0, 2),
      [a[2], b[2]],
    ]);
    expect(source.waiting).toBe(1);
    expect((await readAll(source.reader(2))).map((b) => b.records)).toEqual([[late]]);
  });

  it('has nothing to read when nothing waits', async () => {
    const { source } = sourceOver(0, 0);
    await source.start(['store']);
    await expect(source.reader(5).next()).resolves.toBeUndefined();
    expect(source.inFlight).toBe(0);
  });

  it('counts a batch in flight until every sink has acknowledged it', async () => {
    const { source } = sourceOver(3);
    await source.start(['store', 'file']);
    const [batch] = await readAll(source.reader(10));
    expect(source.waiting).toBe(0);
    expect(source.inFlight).toBe(3);
    source.acknowledge('store', batch);
    expect(source.inFlight).toBe(3);
    source.acknowledge('file', batch);
    expect(source.inFlight).toBe(0);
  });

  it('calls the watcher once a queue holds the threshold', async () => {
    const { source, queues } = sourceOver(1, 0);
    let calls = 0;
    source.watch(2, () => calls++);
    void queues.all()[1].offer(records(1, 'b')[0]);
    expect(calls).toBe(0);
    void queues.all()[0].offer(records(1, 'a')[0]);
    expect(calls).toBe(1);
  });

  it('close() refuses later publishes; what waits can still be read', async () => {
    const { source, queues, queued } = sourceOver(2);
    await source.start(['store']);
    source.close();
    expect(queues.all()[0].offer(records(1, 'a')[0])).toBe('closed');
    expect((await readAll(source.reader(10))).flatMap((b) => b.records)).toEqual(queued[0]);
  });

  it('release() resolves, holding nothing to free', async () => {
    await expect(sourceOver(1).source.release()).resolves.toBeUndefined();
  });

  it('reports itself reachable, keeping nothing across a restart', () => {
    const report = sourceOver(1).source.report();
    expect(report).toEqual({ reachable: true });
    expect(report).not.toHaveProperty('keptIn');
  });

  it('guards a sink’s copy with a skip file beside it', () => {
    const guard = sourceOver(0).source.replayGuard('file', '/tmp/metrics.spool');
    expect(guard).toBeInstanceOf(SkipFileGuard);
  });
});
