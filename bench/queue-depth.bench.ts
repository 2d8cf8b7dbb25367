import type { MetadataRecord } from '../src/lib/index.js';
import { MetaQueue } from '../src/lib/index.js';
import { figure, interleave, type Figure } from './report.js';

/** Cost of one enqueue + dequeue with 1,000,000 records queued, against 1,000 queued. */
export async function queueDepth(scale: number, runs: number): Promise<Figure[]> {
  const ops = Math.max(100_000, Math.round(2_000_000 * scale));
  const [deep, shallow] = await interleave(
    runs,
    () => nsPerOp(1_000_000, ops),
    () => nsPerOp(1_000, ops),
  );
  return [
    figure('queue enqueue+dequeue at 1M backlog vs 1k', 'ns/op', deep, shallow, { atMost: 1.5 }),
  ];
}

function nsPerOp(backlog: number, ops: number): number {
  const record = { id: 'x' } as MetadataRecord;
  const queue = new MetaQueue({ bufferSize: backlog + 1 });
  for (let i = 0; i < backlog; i++) void queue.offer(record);
  for (let i = 0; i < ops; i++) {
    void queue.offer(record);
    queue.take(1);
  }
  global.gc?.();
  const started = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) {
    void queue.offer(record);
    queue.take(1);
  }
  return Number(process.hrtime.bigint() - started) / ops;
}
