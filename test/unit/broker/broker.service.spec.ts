import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import {
  EngineClosedError,
  FlushTimeoutError,
  MetaqueueConfigError,
  type MetadataRecord,
} from '../../../src/lib/index.js';
import { MemorySink } from '../../support/memory-sink.js';
import { startPipeline } from '../../support/pipeline.js';

beforeAll(() => {
  Logger.overrideLogger(false);
});

const publish = (engine: { publish(m: object): Promise<unknown> }, n: number, tag = 'x') =>
  Promise.all(
    Array.from({ length: n }, (_, i) =>
      engine.publish({ data: i, name: 'n', location: tag, context: 'c' }),
    ),
  ) as Promise<(MetadataRecord | undefined)[]>;

describe('BrokerService', () => {
  it('shuts down in order: intake closes, the last pass runs, sinks drain, connectors close', async () => {
    const events: string[] = [];
    const store = new MemorySink('store');
    const file = new MemorySink('file');
    const connector = {
      name: 'file',
      write: async (records: readonly MetadataRecord[]) => {
        await file.write(records);
        events.push(`file wrote ${records.length}`);
      },
      close: async () => void events.push('file closed'),
    };
    const p = await startPipeline({
      topics: [{ topic: 'jobs' }],
      store,
      connectors: [connector],
      broker: { flushIntervalMs: 60_000 },
    });
    await publish(p.engine('jobs'), 30);
    const closing = p.close();
    await expect(publish(p.engine('jobs'), 1)).rejects.toBeInstanceOf(EngineClosedError);
    events.push('intake closed');
    await closing;
    expect(events).toEqual(['intake closed', 'file wrote 30', 'file closed']);
    expect(store.ids).toHaveLength(30);
    expect(p.broker.counters.sinks).toMatchObject({
      store: { written: 30, backlog: 0, unflushed: 0 },
      file: { written: 30, backlog: 0, unflushed: 0 },
    });
  });

  it('flush({ timeoutMs }) rejects in time, and the flush goes on to the end', async () => {
    const store = new MemorySink('store');
    store.silent = true;
    const p = await startPipeline({ topics: [{ topic: 'jobs' }], store });
    await publish(p.engine('jobs'), 10);
    await expect(p.broker.flush({ timeoutMs: 30 })).rejects.toBeInstanceOf(FlushTimeoutError);
    expect(store.ids).toHaveLength(0);
    store.answer();
    await p.broker.flush();
    expect(store.ids).toHaveLength(10);
    await p.close();
  });

  it('counts what the store could not take by the deadline, queued ones included', async () => {
    const store = new MemorySink('store');
    store.failing = true;
    const p = await startPipeline({
      topics: [{ topic: 'jobs' }],
      store,
      broker: { shutdownTimeoutMs: 100, maxBatchSize: 10, storeConcurrency: 1 },
    });
    await publish(p.engine('jobs'), 35);
    await p.close();
    expect(p.broker.counters.sinks.store).toMatchObject({ written: 0, unflushed: 35 });
  });

  it('shows every sink by name, the store first, and what is in flight', async () => {
    const store = new MemorySink('store');
    const a = new MemorySink('a');
    a.failing = true;
    const p = await startPipeline({
      topics: [{ topic: 'jobs' }],
      store,
      connectors: [a, new MemorySink('b')],
      broker: { retryInitialDelayMs: 5, retryMaxDelayMs: 5, shutdownTimeoutMs: 50 },
    });
    await publish(p.engine('jobs'), 4);
    await p.broker.flush({ timeoutMs: 50 }).catch(() => undefined);
    const { sinks, inFlight } = p.broker.counters;
    expect(Object.keys(sinks)).toEqual(['store', 'a', 'b']);
    expect(sinks.b.written).toBe(4);
    expect(sinks.a).toMatchObject({ written: 0, backlog: 4 });
    expect(sinks.a.failedWrites).toBeGreaterThan(0);
    // Not forgotten while one sink lacks them.
    expect(inFlight).toBe(4);
    await p.close();
  });

  it('refuses a connector that takes the store name', async () => {
    await expect(
      startPipeline({
        topics: [{ topic: 'jobs' }],
        store: new MemorySink('store'),
        connectors: [new MemorySink('store')],
      }),
    ).rejects.toThrow(MetaqueueConfigError);
  });

  it('with no sink at all, never reads: records stay queued, and it says so', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const p = await startPipeline({ topics: [{ topic: 'jobs', bufferSize: 5 }] });
    await publish(p.engine('jobs'), 5);
    await p.broker.flush();
    expect(p.engine('jobs').size).toBe(5);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('store: false and no connectors'));
    await p.close();
  });
});
