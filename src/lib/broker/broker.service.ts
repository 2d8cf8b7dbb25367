import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { BrokerRole } from '../buffer/buffer-options.interface.js';
import type { RecordBuffer } from '../buffer/record-buffer.interface.js';
import type { RecordSource } from '../buffer/record-source.interface.js';
import { ConnectorRegistry } from '../connectors/connector.registry.js';
import { describeError } from '../errors/describe-error.util.js';
import { FlushTimeoutError } from '../errors/metaqueue.errors.js';
import { logMessages } from '../metaqueue.messages.js';
import { METAQUEUE_MODULE_OPTIONS, RECORD_BUFFER } from '../metaqueue.tokens.js';
import { MetadataStore } from '../store/metadata-store.js';
import { Listeners } from '../utils/listeners.util.js';
import { withTimeout } from '../utils/with-timeout.util.js';
import type { BrokerModuleOptions } from './broker-options.interface.js';
import { resolveBrokerOptions, type ResolvedBrokerOptions } from './broker-options.js';
import type { BrokerStats } from './broker-stats.interface.js';
import { FlushLoop } from './flush-loop.js';
import type { FlushObservation } from './flush-observation.interface.js';
import { RetryLoop } from './sinks/retry-loop.js';
import { Sinks } from './sinks/sinks.js';

/**
 * Moves records from the buffer's source to the sinks: the store first, then
 * every connector with what the store took. A flush pass runs every
 * `flushIntervalMs`, as soon as `maxBatchSize` records wait (as the source's
 * `watch()` counts them), on `flush()`, and once more at shutdown. Each sink
 * retries in its own channel; while the store fails, nothing more is read, so
 * the buffer's bound and the overflow policies, not memory, absorb an outage.
 */
@Injectable()
export class BrokerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BrokerService.name);
  private readonly options: ResolvedBrokerOptions;
  private readonly source: RecordSource;
  private readonly role: BrokerRole;
  private readonly loop: FlushLoop;
  private readonly sinks: Sinks;
  // An observer (metrics) must never break flushing.
  private readonly observers = new Listeners<[FlushObservation]>((error) =>
    this.logger.warn(logMessages.flushObserverFailed(describeError(error))),
  );
  private shutdown?: Promise<void>;

  constructor(
    @Inject(RECORD_BUFFER) buffer: RecordBuffer,
    @Inject(MetadataStore) private readonly store: MetadataStore | null,
    private readonly connectorRegistry: ConnectorRegistry,
    @Inject(METAQUEUE_MODULE_OPTIONS) moduleOptions: BrokerModuleOptions,
  ) {
    this.options = resolveBrokerOptions(moduleOptions.broker, buffer.role);
    this.source = buffer.source;
    this.role = buffer.role;
    const { retryInitialDelayMs, retryMaxDelayMs } = this.options;
    const retry = new RetryLoop(retryInitialDelayMs, retryMaxDelayMs, this.logger);
    this.sinks = new Sinks(this.source, store, this.options, retry, this.logger);
    this.loop = new FlushLoop(
      () => this.pass(),
      this.options.flushIntervalMs,
      (error) => this.logger.error(logMessages.flushFailed(describeError(error))),
      () => this.source.waiting > 0,
    );
  }

  /** A snapshot of what the broker has done, by sink. */
  get counters(): BrokerStats {
    const { log } = this.source.report();
    return {
      sinks: Object.fromEntries(this.sinks.all.map((c) => [c.name, { ...c.stats }])),
      inFlight: this.source.inFlight,
      lastFlushAt: this.sinks.lastFlushAt,
      ...(log && { buffer: log }),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.loop.running || this.shutdown) return;
    // A publisher hands its records to the workers through the shared buffer.
    if (this.role === 'publisher') return;
    // Partitions ahead before the first flush; then on the store's own schedule.
    await this.store?.maintenance.start();
    this.sinks.open(this.connectorRegistry.getAll());
    // Started even without sinks: the disk buffer's publishes wait for its log to open.
    await this.source.start(this.sinks.all.map((c) => c.name));
    if (this.sinks.all.length === 0) return this.logger.warn(logMessages.noSinks());
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
    const flushed = this.loop.run().then(() => this.sinks.drainConnectors());
    if (options.timeoutMs === undefined) return flushed;
    return withTimeout(flushed, options.timeoutMs, () => new FlushTimeoutError(options.timeoutMs!));
  }

  /** Calls `observer` after every flush pass that moved records; returns how to stop. */
  observeFlushes(observer: (flush: FlushObservation) => void): () => void {
    return this.observers.add(observer);
  }

  /**
   * Runs once: closes intake, runs a last pass and lets every sink drain
   * within `shutdownTimeoutMs`, closes the connectors, then releases the
   * buffer (a fleet's replay guard still asks Redis as a connector closes).
   */
  beforeApplicationShutdown(): Promise<void> {
    this.shutdown ??= this.stop();
    return this.shutdown;
  }

  private async stop(): Promise<void> {
    const wasRunning = this.loop.running;
    this.loop.stop();
    this.source.close();
    try {
      if (wasRunning)
        await this.sinks.drainWithin(() => this.loop.run(), this.options.shutdownTimeoutMs);
    } finally {
      await this.store?.maintenance.stop();
      await this.connectorRegistry.closeAll();
      await this.source.release();
    }
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
      await this.sinks.store?.whenRoom();
      const batch = await reader.next();
      if (!batch) break;
      records += batch.records.length;
      this.sinks.deliver(batch);
    }
    await this.sinks.store?.drain();
    if (records > 0) {
      this.observers.notify({ durationSeconds: (performance.now() - started) / 1000, records });
    }
  }
}
