import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConnectorRegistry } from '../connectors/connector.registry.js';
import type { MetadataRecord } from '../record/metadata.interface.js';
import { FlushTimeoutError, MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import type { MetadataConnector } from '../connectors/metadata-connector.interface.js';
import { errorMessages, logMessages } from '../metaqueue.messages.js';
import type { BrokerModuleOptions } from './broker-options.interface.js';
import { METAQUEUE_MODULE_OPTIONS, RECORD_BUFFER } from '../metaqueue.tokens.js';
import type { BrokerRole } from '../buffer/buffer-options.interface.js';
import type { RecordBuffer } from '../buffer/record-buffer.interface.js';
import { MetadataStore } from '../store/metadata-store.js';
import { describeError } from '../errors/describe-error.util.js';
import { Listeners } from '../utils/listeners.util.js';
import { withTimeout } from '../utils/with-timeout.util.js';
import { STORE_SINK } from '../store/store-sink.constants.js';
import { resolveBrokerOptions, type ResolvedBrokerOptions } from './broker-options.js';
import type { BrokerStats } from './broker-stats.interface.js';
import { FlushLoop } from './flush-loop.js';
import type { FlushObservation } from './flush-observation.interface.js';
import { untilDeadline } from './shutdown-deadline.js';
import { RetryLoop } from './sinks/retry-loop.js';
import { SinkChannel, type Delivery } from './sinks/sink-channel.js';
import type { RecordSource, SourceBatch } from '../buffer/record-source.interface.js';

/**
 * Moves records from the source (the engines' queues) to the sinks: the
 * store first, then every connector with what the store took. A flush pass
 * runs every `flushIntervalMs`, as soon as `maxBatchSize` records wait, on
 * `flush()`, and once more at shutdown. Each sink retries in its own channel;
 * while the store fails, nothing more is read, so the queues' bounds and
 * overflow policies, not memory, absorb an outage.
 */
@Injectable()
export class BrokerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BrokerService.name);
  private readonly options: ResolvedBrokerOptions;
  private readonly source: RecordSource;
  private readonly role: BrokerRole;
  private readonly retry: RetryLoop;
  private readonly loop: FlushLoop;
  private readonly store?: SinkChannel;
  private connectors: SinkChannel[] = [];
  // An observer (metrics) must never break flushing.
  private readonly observers = new Listeners<[FlushObservation]>((error) =>
    this.logger.warn(logMessages.flushObserverFailed(describeError(error))),
  );
  private lastFlushAt: Date | undefined;
  private shutdown?: Promise<void>;

  constructor(
    @Inject(RECORD_BUFFER) buffer: RecordBuffer,
    @Inject(MetadataStore) private readonly metadataStore: MetadataStore | null,
    private readonly connectorRegistry: ConnectorRegistry,
    @Inject(METAQUEUE_MODULE_OPTIONS) moduleOptions: BrokerModuleOptions,
  ) {
    this.options = resolveBrokerOptions(moduleOptions.broker);
    this.source = buffer.source;
    this.role = buffer.role;
    this.retry = new RetryLoop(
      this.options.retryInitialDelayMs,
      this.options.retryMaxDelayMs,
      this.logger,
    );
    this.loop = new FlushLoop(
      () => this.pass(),
      this.options.flushIntervalMs,
      (error) => this.logger.error(logMessages.flushFailed(describeError(error))),
      () => this.source.waiting > 0,
    );
    const store = metadataStore;
    if (store) {
      this.store = new SinkChannel(
        { name: STORE_SINK, write: (records) => store.write(records) },
        // The broker reads only while the store has room: its window is its bound.
        { concurrency: this.options.storeConcurrency, maxBacklog: Infinity },
        this.retry,
        this.logger,
        (delivery, taken) => this.stored(delivery, taken),
      );
    }
  }

  /** A snapshot of what the broker has done, by sink. */
  get counters(): BrokerStats {
    const { log } = this.source.report();
    return {
      sinks: Object.fromEntries(this.channels.map((c) => [c.name, { ...c.stats }])),
      inFlight: this.source.inFlight,
      lastFlushAt: this.lastFlushAt,
      ...(log && { buffer: log }),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.loop.running || this.shutdown) return;
    // A publisher hands its records to the workers through the shared buffer.
    if (this.role === 'publisher') return;
    this.connectors = this.connectorRegistry
      .getAll()
      .map(({ name, connector }) => this.connectorChannel(name, connector));
    // Started even without sinks: the disk buffer's publishes wait for its log to open.
    await this.source.start(this.channels.map((c) => c.name));
    if (this.channels.length === 0) return this.logger.warn(logMessages.noSinks());
    this.source.watch(this.options.maxBatchSize, () => this.loop.soon());
    this.loop.start();
  }

  /**
   * Writes what is queued now; resolves when the store and every connector
   * have it. With `timeoutMs`, rejects with `FlushTimeoutError` after that
   * long; the flush goes on.
   */
  flush(options: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.loop.running && !this.shutdown) return Promise.resolve();
    const flushed = this.loop.run().then(() => this.drainConnectors());
    if (options.timeoutMs === undefined) return flushed;
    return withTimeout(flushed, options.timeoutMs, () => new FlushTimeoutError(options.timeoutMs!));
  }

  /** Calls `observer` after every flush pass that moved records; returns how to stop. */
  observeFlushes(observer: (flush: FlushObservation) => void): () => void {
    return this.observers.add(observer);
  }

  /** Closes intake, runs a last pass, and lets every sink drain, within `shutdownTimeoutMs`. */
  beforeApplicationShutdown(): Promise<void> {
    this.shutdown ??= this.stop();
    return this.shutdown;
  }

  private async stop(): Promise<void> {
    const wasRunning = this.loop.running;
    this.loop.stop();
    this.source.close();
    try {
      if (wasRunning) await this.drainWithin(this.options.shutdownTimeoutMs);
    } finally {
      // Connectors close before the source is released: a fleet's replay guard asks Redis.
      await this.connectorRegistry.closeAll();
      await this.source.release();
    }
  }

  private async drainWithin(timeoutMs: number): Promise<void> {
    const writtenBefore = this.channels.map((c) => c.stats.written);
    const { keptIn } = this.source.report();
    const deadline = Date.now() + timeoutMs;
    this.retry.finishBy(deadline);
    // What never left the source is lost to the store, and so to the connectors after it.
    await untilDeadline(this.loop.run(), deadline, () =>
      this.store?.abandon(timeoutMs, keptIn, this.source.waiting),
    );
    await Promise.all(
      this.connectors.map((c) =>
        untilDeadline(c.drain(), deadline, () => c.abandon(timeoutMs, keptIn)),
      ),
    );
    this.logger.log(
      logMessages.shutdownFlushed(
        this.channels.map((c, i) => ({
          sink: c.name,
          flushed: c.stats.written - writtenBefore[i],
          written: c.stats.written,
          unflushed: c.stats.unflushed,
        })),
        keptIn,
      ),
    );
  }

  /** Every sink's channel: the store first. */
  private get channels(): SinkChannel[] {
    return this.store ? [this.store, ...this.connectors] : this.connectors;
  }

  private async drainConnectors(): Promise<void> {
    await Promise.all(this.connectors.map((c) => c.drain()));
  }

  /**
   * Reads what waits now, batch by batch, into the store (at most
   * `storeConcurrency` batches at once) or, without one, straight to the
   * connectors; resolves when the store has it all.
   */
  private async pass(): Promise<void> {
    const started = performance.now();
    let records = 0;
    const reader = this.source.reader(this.options.maxBatchSize);
    for (;;) {
      await this.store?.whenRoom();
      const batch = await reader.next();
      if (!batch) break;
      records += batch.records.length;
      const delivery = { batch, records: recordsFor(batch, STORE_SINK) };
      if (this.store) this.store.push(delivery);
      else this.stored(delivery, batch.records);
    }
    await this.store?.drain();
    if (records > 0) {
      this.observers.notify({ durationSeconds: (performance.now() - started) / 1000, records });
    }
  }

  /** The store has a batch (or there is no store): acknowledge it, and pass it on. */
  private stored({ batch, records }: Delivery, taken: readonly MetadataRecord[]): void {
    if (this.store) this.source.acknowledge(STORE_SINK, batch);
    for (const connector of this.connectors) {
      connector.push({
        batch,
        records: recordsFor(batch, connector.name, records, taken),
      });
    }
    this.lastFlushAt = new Date();
  }

  private connectorChannel(name: string, connector: MetadataConnector): SinkChannel {
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
  }

  /** A record a connector can never take: into the dead-letter table, or else the log. */
  private async keepRefused(sink: string, record: MetadataRecord, reason: string): Promise<void> {
    if (!this.metadataStore) {
      return this.logger.error(logMessages.connectorRefusedLogged(sink, reason, record));
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
