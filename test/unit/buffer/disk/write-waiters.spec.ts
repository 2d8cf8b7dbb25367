import { WriteWaiters } from '../../../../src/lib/buffer/disk/write-waiters.js';
import { records } from '../../../support/records.js';

describe('WriteWaiters', () => {
  it('resolves a waiting publish with its record’s outcome', async () => {
    const waiters = new WriteWaiters();
    const [a, b] = records(2);
    const written = waiters.wait(a);
    const evicted = waiters.wait(b);
    waiters.settle(b, 'evicted');
    waiters.settleWritten([a]);
    expect(await written).toBe('written');
    expect(await evicted).toBe('evicted');
  });

  it('keeps an outcome no publish waited for yet, for the one publish that claims it', () => {
    const waiters = new WriteWaiters();
    const [a] = records(1);
    waiters.settleWritten([a]);
    expect(waiters.claim(a)).toBe('written');
    expect(waiters.claim(a)).toBeUndefined();
  });

  it('settles only the records written, and keeps the rest waiting', async () => {
    const waiters = new WriteWaiters();
    const [a, b, c] = records(3);
    const outcomes: string[] = [];
    for (const record of [a, b, c])
      void waiters
        .wait(record)
        .then((outcome) => outcomes.push(`${record.data}:${outcome as string}`));
    waiters.settleWritten([b]);
    await Promise.resolve();
    expect(outcomes).toEqual(['1:written']);
    waiters.settleAll('closed');
    await Promise.resolve();
    expect(outcomes.sort()).toEqual(['0:closed', '1:written', '2:closed']);
  });
});
