import { IsolatingWrite } from '../../../../src/lib/broker/sinks/isolating-write.js';
import { RecordRefusedError, type MetadataRecord } from '../../../../src/lib/index.js';
import { records } from '../../../support/records.js';

/** A connector that fails on some records, or on all of them during an outage. */
class PickyConnector {
  readonly written: string[] = [];
  down = false;
  constructor(
    private readonly poison: Set<string>,
    private readonly refuseExplicitly = false,
  ) {}

  async write(batch: readonly MetadataRecord[]): Promise<void> {
    if (this.down) throw new Error('connection refused');
    if (batch.some((r) => this.poison.has(r.id))) {
      throw this.refuseExplicitly ? new RecordRefusedError('cannot take it') : new Error('boom');
    }
    this.written.push(...batch.map((r) => r.id));
  }
}

/** Retries `attempt()` as the retry loop does, without the waiting; returns the attempts made. */
async function settle(write: IsolatingWrite, maxAttempts = 200) {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      return { result: await write.attempt(), attempts: attempt };
    } catch {
      // retried
    }
  }
  throw new Error(`not settled after ${maxAttempts} attempts`);
}

describe('IsolatingWrite', () => {
  it('isolates a record the connector refuses explicitly at once, and writes the rest once', async () => {
    const batch = records(100);
    const poison = new Set([batch[37].id]);
    const connector = new PickyConnector(poison, true);
    const kept: string[] = [];
    const write = new IsolatingWrite(
      batch,
      (r) => connector.write(r),
      async (r) => {
        kept.push(r.id);
      },
    );
    const { result, attempts } = await settle(write);
    expect(attempts).toBe(1);
    expect(result.deadLettered.map((r) => r.id)).toEqual([batch[37].id]);
    expect(kept).toEqual([batch[37].id]);
    expect(connector.written.sort()).toEqual(
      batch
        .filter((r) => !poison.has(r.id))
        .map((r) => r.id)
        .sort(),
    );
  });

  it('finds records that fail with any error once the rest of their batch is written', async () => {
    const batch = records(64);
    const poison = new Set([batch[0].id, batch[21].id, batch[63].id]);
    const connector = new PickyConnector(poison);
    const kept: string[] = [];
    const write = new IsolatingWrite(
      batch,
      (r) => connector.write(r),
      async (r) => {
        kept.push(r.id);
      },
    );
    const { result } = await settle(write);
    expect(kept.sort()).toEqual([...poison].sort());
    expect(result.deadLettered).toHaveLength(3);
    // Every other record exactly once: written parts are never written again.
    expect(connector.written.sort()).toEqual(
      batch
        .filter((r) => !poison.has(r.id))
        .map((r) => r.id)
        .sort(),
    );
  });

  it('refuses nothing during an outage, and writes everything once it ends', async () => {
    const batch = records(50);
    const connector = new PickyConnector(new Set());
    connector.down = true;
    const kept: string[] = [];
    const write = new IsolatingWrite(
      batch,
      (r) => connector.write(r),
      async (r) => {
        kept.push(r.id);
      },
    );
    for (let i = 0; i < 100; i++)
      await expect(write.attempt()).rejects.toThrow('connection refused');
    connector.down = false;
    const { result } = await settle(write);
    expect(kept).toEqual([]);
    expect(result.deadLettered).toEqual([]);
    expect(connector.written.sort()).toEqual(batch.map((r) => r.id).sort());
  });

  it('an outage that starts halfway through a batch refuses nothing either', async () => {
    const batch = records(40);
    let writes = 0;
    let down = false;
    const written: string[] = [];
    const kept: string[] = [];
    const write = new IsolatingWrite(
      batch,
      async (part) => {
        // The first part goes through; then the connector is down for a while.
        if (++writes > 1 && writes < 60) down = true;
        else if (writes >= 60) down = false;
        if (down || writes === 1) {
          if (writes === 1) throw new Error('boom');
          throw new Error('connection refused');
        }
        written.push(...part.map((r) => r.id));
      },
      async (r) => {
        kept.push(r.id);
      },
    );
    const { result } = await settle(write);
    expect(kept).toEqual([]);
    expect(result.deadLettered).toEqual([]);
    expect(written.sort()).toEqual(batch.map((r) => r.id).sort());
  });

  it('keeps retrying a lone record that fails with a plain error: nothing proves the connector works', async () => {
    const batch = records(1);
    const connector = new PickyConnector(new Set([batch[0].id]));
    const write = new IsolatingWrite(
      batch,
      (r) => connector.write(r),
      async () => {
        throw new Error('must not be kept');
      },
    );
    for (let i = 0; i < 20; i++) await expect(write.attempt()).rejects.toThrow('boom');
  });

  it('retries keeping a refused record until it is kept; nothing is written twice', async () => {
    const batch = records(8);
    const connector = new PickyConnector(new Set([batch[3].id]), true);
    let keepFails = 2;
    const kept: string[] = [];
    const write = new IsolatingWrite(
      batch,
      (r) => connector.write(r),
      async (r) => {
        if (keepFails-- > 0) throw new Error('dead-letter table unreachable');
        kept.push(r.id);
      },
    );
    const { result } = await settle(write);
    expect(kept).toEqual([batch[3].id]);
    expect(result.deadLettered.map((r) => r.id)).toEqual([batch[3].id]);
    expect(new Set(connector.written).size).toBe(connector.written.length);
    expect(connector.written).toHaveLength(7);
  });

  it('a full disk refuses nothing, even when smaller parts still fit', async () => {
    const batch = records(64);
    // 8, then 2, then 1 record fit; the next one alone fails right after a success.
    let room = 11;
    const written: string[] = [];
    const kept: string[] = [];
    const write = new IsolatingWrite(
      batch,
      async (part) => {
        if (part.length > room) {
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        room -= part.length;
        written.push(...part.map((r) => r.id));
      },
      async (r) => {
        kept.push(r.id);
      },
    );
    for (let i = 0; i < 50; i++) await expect(write.attempt()).rejects.toThrow('ENOSPC');
    room = Infinity;
    const { result } = await settle(write);
    expect(kept).toEqual([]);
    expect(result.deadLettered).toEqual([]);
    expect(written.sort()).toEqual(batch.map((r) => r.id).sort());
  });
});
