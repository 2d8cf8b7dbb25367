import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { resolveBrokerOptions } from '../../../../src/lib/broker/broker-options.js';
import { RetryLoop } from '../../../../src/lib/broker/sinks/retry-loop.js';
import { Sinks } from '../../../../src/lib/broker/sinks/sinks.js';
import type {
  RecordSource,
  SourceBatch,
} from '../../../../src/lib/buffer/record-source.interface.js';
import {
  MetaqueueConfigError,
  RecordRefusedError,
  type MetadataConnector,
  type MetadataRecord,
  type MetadataStore,
} from '../../../../src/lib/index.js';
import { errorMessages } from '../../../../src/lib/metaqueue.messages.js';
import { MemorySink } from '../../../support/memory-sink.js';
import { records } from '../../../support/records.js';
import { until } from '../../../support/until.js';

const logger = new Logger('test');
beforeAll(() => {
  Logger.overrideLogger(false);
});
/** Each test's retries: ended after it, so a test that fails mid-outage leaves no loop running. */
const retries: RetryLoop[] = [];
afterEach(() => {
  jest.restoreAllMocks();
  for (const retry of retries.splice(0)) retry.finishBy(0);
});

/** The store in memory, with a dead-letter table for what a connector refuses. */
class MemoryStore extends MemorySink {
  readonly deadLetters: { id: string; sink: string }[] = [];

  constructor() {
    super('store');
  }

  keepDeadLetter(record: MetadataRecord, _reason: string, sink: string): Promise<void> {
    this.deadLetters.push({ id: record.id, sink });
    return Promise.resolve();
  }
}

/** The part of a source the sinks use: it hears each sink's acknowledgement of each batch. */
class AcknowledgingSource {
  readonly waiting = 0;
  readonly acknowledged: { sink: string; batch: SourceBatch }[] = [];

  acknowledge(sink: string, batch: SourceBatch): void {
    this.acknowledged.push({ sink, batch });
  }

  report() {
    return { reachable: true };
  }

  /** The sinks that acknowledged `batch`, in order. */
  sinksOf(batch: SourceBatch): string[] {
    return this.acknowledged.filter((a) => a.batch === batch).map((a) => a.sink);
  }
}

function sinksOver(store: MemoryStore | null, connectors: (MemorySink | MetadataConnector)[]) {
  const source = new AcknowledgingSource();
  const retry = new RetryLoop(1, 5, logger);
  retries.push(retry);
  const sinks = new Sinks(
    source as unknown as RecordSource,
    store as unknown as MetadataStore | null,
    resolveBrokerOptions({ retryInitialDelayMs: 1, retryMaxDelayMs: 5 }),
    retry,
    logger,
  );
  sinks.open(
    connectors.map((connector) => ({
      name: connector.name!,
      connector: connector as MetadataConnector,
    })),
  );
  /** Hands `n` batches of `size` records to the sinks. */
  const deliver = (n: number, size = 3): SourceBatch[] =>
    Array.from({ length: n }, () => {
      const batch = { records: records(size) };
      sinks.deliver(batch);
      return batch;
    });
  /** Resolves once the store and every connector have written all they were given. */
  const settled = async () => {
    await sinks.store?.drain();
    await sinks.drainConnectors();
  };
  return { sinks, source, deliver, settled };
}

/** The store, and two connectors named file and http. */
const storeAndTwoConnectors = () => ({
  store: new MemoryStore(),
  file: new MemorySink('file'),
  http: new MemorySink('http'),
});

const idsOf = (batches: SourceBatch[]) => batches.flatMap((b) => b.records.map((r) => r.id));

describe('Sinks', () => {
  it('lists the store first, then the connectors in order', () => {
    const { sinks } = sinksOver(new MemoryStore(), [
      new MemorySink('file'),
      new MemorySink('http'),
    ]);
    expect(sinks.all.map((c) => c.name)).toEqual(['store', 'file', 'http']);
  });

  it('writes a batch into the store first; the connectors get it once the store has it', async () => {
    const { store, file, http } = storeAndTwoConnectors();
    const { source, deliver, settled } = sinksOver(store, [file, http]);
    store.silent = true;
    const [batch] = deliver(1);
    await until(() => store.writes === 1);
    // The store's write hangs: the connectors are not given the batch meanwhile, however long.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(store.writes).toBe(1);
    expect(file.writes + http.writes).toBe(0);
    store.answer();
    await settled();
    expect(file.ids).toEqual(idsOf([batch]));
    expect(http.ids).toEqual(idsOf([batch]));
    expect(source.sinksOf(batch)).toEqual(['store', 'file', 'http']);
  });

  it('gives the connectors what the store took, less what it dead-lettered', async () => {
    const { store, file, http } = storeAndTwoConnectors();
    const { sinks, source, settled } = sinksOver(store, [file, http]);
    const batch = { records: records(4) };
    const [, poison] = batch.records;
    store.refuse.add(poison.id);
    sinks.deliver(batch);
    await settled();
    const taken = batch.records.filter((r) => r !== poison).map((r) => r.id);
    expect(store.ids).toEqual(taken);
    expect(file.ids).toEqual(taken);
    expect(http.ids).toEqual(taken);
    // Dead-lettered is done with: every sink lets the batch go.
    expect(source.sinksOf(batch)).toEqual(['store', 'file', 'http']);
  });

  it('gives each sink its own share when the source says so', async () => {
    const { store, file, http } = storeAndTwoConnectors();
    const { sinks, settled } = sinksOver(store, [file, http]);
    const all = records(4);
    const batch = { records: all, forSink: new Map([['file', all.slice(2)]]) };
    sinks.deliver(batch);
    await settled();
    expect(store.ids).toEqual(idsOf([batch]));
    expect(file.ids).toEqual(all.slice(2).map((r) => r.id));
    expect(http.ids).toEqual(idsOf([batch]));
  });

  it('refuses a connector named as the store', () => {
    const open = () => sinksOver(new MemoryStore(), [new MemorySink('store')]);
    expect(open).toThrow(MetaqueueConfigError);
    expect(open).toThrow(errorMessages.reservedSinkName('store'));
  });

  it('while the store fails, no connector gets a batch; once it recovers, each gets every record once', async () => {
    const { store, file, http } = storeAndTwoConnectors();
    const { source, deliver, settled } = sinksOver(store, [file, http]);
    store.failing = true;
    const batches = deliver(3);
    await until(() => store.writes > 4);
    expect(file.writes + http.writes).toBe(0);
    // Nothing is forgotten early: no sink has let a batch go.
    expect(source.acknowledged).toEqual([]);
    store.failing = false;
    await settled();
    // The store writes `storeConcurrency` batches at once: its rows need not be in order.
    expect([...store.ids].sort()).toEqual(idsOf(batches).sort());
    expect(file.ids).toEqual(idsOf(batches));
    expect(http.ids).toEqual(idsOf(batches));
    for (const batch of batches) expect(source.sinksOf(batch)).toEqual(['store', 'file', 'http']);
  });

  it('a failing connector holds back neither the store nor the other connectors', async () => {
    const { store, file, http } = storeAndTwoConnectors();
    const { sinks, source, deliver } = sinksOver(store, [file, http]);
    file.failing = true;
    const batches = deliver(3);
    await until(() => http.ids.length === 9);
    // The store writes `storeConcurrency` batches at once: its rows need not be in order.
    expect([...store.ids].sort()).toEqual(idsOf(batches).sort());
    expect(http.ids).toEqual(idsOf(batches));
    expect(file.ids).toEqual([]);
    for (const batch of batches) expect(source.sinksOf(batch)).toEqual(['store', 'http']);
    file.failing = false;
    await sinks.drainConnectors();
    // After three failures a connector's batch is halved to find a record at fault, so the
    // halves of a batch may land in either order: each record once is what this case is about.
    expect([...file.ids].sort()).toEqual(idsOf(batches).sort());
    for (const batch of batches) expect(source.sinksOf(batch)).toEqual(['store', 'http', 'file']);
  });

  it('at shutdown, counts as unflushed for each connector what the store wrote but could not pass on', async () => {
    const store = new MemoryStore();
    const file = new MemorySink('file');
    const { sinks, deliver } = sinksOver(store, [file]);
    // The first batch's write hangs; the second's is written, and waits for it to be passed on.
    store.silent = true;
    deliver(1);
    store.silent = false;
    deliver(1);
    await until(() => store.ids.length === 3);
    const error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    jest.spyOn(logger, 'log').mockImplementation(() => undefined);
    await sinks.drainWithin(() => sinks.store!.drain(), 30);
    const [storeChannel, fileChannel] = sinks.all;
    expect(storeChannel.stats).toMatchObject({ written: 3, unflushed: 3, unconfirmed: 3 });
    expect(fileChannel.stats).toMatchObject({ written: 0, unflushed: 3 });
    expect(error).toHaveBeenCalledWith(expect.stringContaining('Sink file could not write 3'));
    store.answer();
  });

  it('without a store, hands each batch straight to the connectors', async () => {
    const file = new MemorySink('file');
    const { sinks, source, deliver, settled } = sinksOver(null, [file]);
    expect(sinks.store).toBeUndefined();
    const [batch] = deliver(1);
    await settled();
    expect(file.ids).toEqual(idsOf([batch]));
    expect(source.sinksOf(batch)).toEqual(['file']);
    expect(sinks.lastFlushAt).toBeInstanceOf(Date);
  });

  it('keeps a record a connector refuses in the store’s dead letters, and the rest flow', async () => {
    const store = new MemoryStore();
    const file = new MemorySink('file');
    const batch = { records: records(4) };
    const [, poison] = batch.records;
    const picky = {
      name: 'picky',
      write: async (rs: readonly MetadataRecord[]) => {
        if (rs.includes(poison)) throw new RecordRefusedError('no');
        await file.write(rs);
      },
    };
    const { sinks, source, settled } = sinksOver(store, [picky]);
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    sinks.deliver(batch);
    await settled();
    expect(store.deadLetters).toEqual([{ id: poison.id, sink: 'picky' }]);
    expect(file.ids).toEqual(batch.records.filter((r) => r !== poison).map((r) => r.id));
    expect(source.sinksOf(batch)).toEqual(['store', 'picky']);
  });

  it('without a store, logs a record a connector refuses', async () => {
    const batch = { records: records(1) };
    const picky = { name: 'picky', write: () => Promise.reject(new RecordRefusedError('no')) };
    const { sinks, settled } = sinksOver(null, [picky]);
    const error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    sinks.deliver(batch);
    await settled();
    expect(error).toHaveBeenCalledWith(expect.stringContaining(batch.records[0].id));
  });
});
