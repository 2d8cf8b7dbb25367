import type { LoggerService } from '@nestjs/common';
import type { RecordSource, SourceBatch } from '../../buffer/record-source.interface.js';
import type { ResolvedConnector } from '../../connectors/metadata-connector.interface.js';
import { describeError } from '../../errors/describe-error.util.js';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { errorMessages, logMessages } from '../../metaqueue.messages.js';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import type { MetadataStore } from '../../store/metadata-store.js';
import { STORE_SINK } from '../../store/store-sink.constants.js';
import type { ResolvedBrokerOptions } from '../broker-options.js';
import { untilDeadline } from '../shutdown-deadline.js';
import type { RetryLoop } from './retry-loop.js';
import { SinkChannel, type Delivery } from './sink-channel.js';

/**
 * Every sink's channel, the store first. A batch read goes into the store;
 * what the store took (less what it dead-lettered) goes on to every
 * connector, so connectors mirror the table: a failing store holds them back
 * with it, and a failing connector holds back only itself.
 */
export class Sinks {
  readonly store?: SinkChannel;
  private connectors: SinkChannel[] = [];
  /** When a batch was last written to the first sink. */
  lastFlushAt: Date | undefined;

  constructor(
    private readonly source: RecordSource,
    private readonly metadataStore: MetadataStore | null,
    private readonly options: ResolvedBrokerOptions,
    private readonly retry: RetryLoop,
    private readonly logger: LoggerService,
  ) {
    const store = metadataStore;
    if (!store) return;
    this.store = new SinkChannel(
      { name: STORE_SINK, write: (records) => store.write(records) },
      // The broker reads only while the store has room: its window is its bound.
      { concurrency: options.storeConcurrency, maxBacklog: Infinity },
      retry,
      logger,
      (delivery, taken) => this.stored(delivery, taken),
    );
  }

  /** Every sink's channel: the store first. */
  get all(): SinkChannel[] {
    return this.store ? [this.store, ...this.connectors] : this.connectors;
  }

  /** A channel for each connector; called once, before the first batch. */
  open(connectors: readonly ResolvedConnector[]): void {
    this.connectors = connectors.map(({ name, connector }) => {
      if (name === STORE_SINK) throw new MetaqueueConfigError(errorMessages.reservedSinkName(name));
      return new SinkChannel(
        { name, write: (records) => connector.write(records) },
        {
          concurrency: 1,
          maxBacklog: this.options.maxConnectorBacklog,
          keepRefused: (record, error) => this.keepRefused(name, record, describeError(error)),
        },
        this.retry,
        this.logger,
        ({ batch }) => this.source.acknowledge(name, batch),
      );
    });
  }

  /** Hands a batch read from the source to the store, or straight to the connectors without one. */
  deliver(batch: SourceBatch): void {
    const delivery = { batch, records: recordsFor(batch, STORE_SINK) };
    if (this.store) this.store.push(delivery);
    else this.stored(delivery, batch.records);
  }

  async drainConnectors(): Promise<void> {
    await Promise.all(this.connectors.map((c) => c.drain()));
  }

  /**
   * Shutdown: the last pass into the store, then every connector's backlog,
   * within `timeoutMs`; whatever is left is counted as unflushed and logged.
   */
  async drainWithin(lastPass: () => Promise<void>, timeoutMs: number): Promise<void> {
    const writtenBefore = this.all.map((c) => c.stats.written);
    const { keptIn } = this.source.report();
    const deadline = Date.now() + timeoutMs;
    this.retry.finishBy(deadline);
    // What never left the source is lost to the store, and so to the connectors after it;
    // what the store wrote but could not pass on yet is lost to the connectors alone.
    let storedOnly = 0;
    await untilDeadline(lastPass(), deadline, () => {
      storedOnly = this.store?.abandon(timeoutMs, keptIn, this.source.waiting) ?? 0;
    });
    await Promise.all(
      this.connectors.map(async (c) => {
        let gaveUp = false;
        await untilDeadline(c.drain(), deadline, () => (gaveUp = true));
        if (gaveUp || storedOnly > 0) c.abandon(timeoutMs, keptIn, storedOnly);
      }),
    );
    const sinks = this.all.map((c, i) => ({
      sink: c.name,
      flushed: c.stats.written - writtenBefore[i],
      written: c.stats.written,
      unflushed: c.stats.unflushed,
    }));
    this.logger.log(logMessages.shutdownFlushed(sinks, keptIn));
  }

  /** The store has a batch (or there is no store): acknowledge it, and pass it on. */
  private stored({ batch, records }: Delivery, taken: readonly MetadataRecord[]): void {
    if (this.store) this.source.acknowledge(STORE_SINK, batch);
    for (const connector of this.connectors) {
      connector.push({ batch, records: recordsFor(batch, connector.name, records, taken) });
    }
    this.lastFlushAt = new Date();
  }

  /** A record a connector can never take: into the dead-letter table, or else the log. */
  private async keepRefused(sink: string, record: MetadataRecord, reason: string): Promise<void> {
    if (!this.metadataStore) {
      this.logger.error(logMessages.connectorRefusedLogged(sink, reason, record));
      return;
    }
    await this.metadataStore.keepDeadLetter(record, reason, sink);
    this.logger.error(logMessages.connectorRefused(sink, record.id, reason));
  }
}

/**
 * The records of a batch that `sink` gets: all of them, or its own share
 * when the source says (`forSink`), less what the store dead-lettered.
 */
function recordsFor(
  batch: SourceBatch,
  sink: string,
  storeGot?: readonly MetadataRecord[],
  storeTook?: readonly MetadataRecord[],
): readonly MetadataRecord[] {
  const records = batch.forSink?.get(sink) ?? batch.records;
  if (!storeGot || !storeTook || storeTook.length === storeGot.length) return records;
  const took = new Set(storeTook);
  const refused = new Set(storeGot.filter((r) => !took.has(r)));
  return records.filter((r) => !refused.has(r));
}
