import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { resolveConnectors } from '../connectors/resolve-connectors.js';
import { EngineRegistry } from '../engine/engine-registry.js';
import type { MetadataEngine } from '../engine/metadata-engine.js';
import type { MetadataRecord } from '../engine/metadata.interface.js';
import { FlushTimeoutError, MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { defaults } from '../metaqueue.defaults.js';
import { messages } from '../metaqueue.messages.js';
import type { MetaqueueModuleOptions } from '../metaqueue-options.interface.js';
import { METAQUEUE_MODULE_OPTIONS } from '../metaqueue.tokens.js';
import { describeError } from '../store/database-errors.js';
import { MetadataStore } from '../store/metadata-store.js';
import { definedOnly } from '../utils/defined-only.util.js';
import type { BrokerOptions } from './broker-options.interface.js';
import type { BrokerStats } from './broker-stats.interface.js';
import { ConnectorChannel } from './connector-channel.js';
import type { FlushObservation } from './flush-observation.interface.js';
import { RetryLoop, ShutdownDeadlineError } from './retry-loop.js';

interface InFlightBatch {
  batch: MetadataRecord[];
  /** Resolves to the records the database took (all but the dead-lettered). */
  stored: Promise<readonly MetadataRecord[]>;
}

/**
 * Moves records from the engines' queues to the store and the connectors:
 * every `flushIntervalMs`, as soon as a queue holds `maxBatchSize`, on
 * `flush()`, and once more at shutdown. Flushes never overlap. A failed store
 * write keeps its batch and is retried with backoff while nothing more is
 * taken from the queues, so their bounds and overflow policies, not memory,
 * absorb an outage. Each connector has its own backlog and retries, and never
 * holds back the store or the other connectors.
 */
@Injectable()
export class BrokerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BrokerService.name);
  private readonly options: Required<BrokerOptions>;
  private readonly retry: RetryLoop;
  private readonly stats = { stored: 0, deadLettered: 0, failedWrites: 0, unflushed: 0 };
  private lastFlushAt: Date | undefined;
  private channels: ConnectorChannel[] = [];
  /** Batches taken from the queues and being stored, oldest first. */
  private inFlight: InFlightBatch[] = [];
  private draining?: Promise<void>;
  private drainAgain = false;
  private timer?: NodeJS.Timeout;
  private running = false;
  private shutdown?: Promise<void>;
  private nextEngine = 0;
  private readonly flushObservers = new Set<(flush: FlushObservation) => void>();

  constructor(
    private readonly registry: EngineRegistry,
    @Inject(MetadataStore) private readonly store: MetadataStore | null,
    @Inject(METAQUEUE_MODULE_OPTIONS) private readonly moduleOptions: MetaqueueModuleOptions,
    private readonly moduleRef: ModuleRef,
  ) {
    this.options = resolveBrokerOptions(moduleOptions.broker);
    this.retry = new RetryLoop(this.options.retryInitialDelayMs, this.options.retryMaxDelayMs);
  }

  /** A snapshot of what the broker has done, for the store and for each connector. */
  get counters(): BrokerStats {
    return {
      ...this.stats,
      inFlight: this.inFlightRecords(),
      lastFlushAt: this.lastFlushAt,
      connectors: Object.fromEntries(this.channels.map((c) => [c.name, { ...c.stats }])),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.running || this.shutdown) return;
    const connectors = await resolveConnectors(this.moduleOptions.connectors ?? [], this.moduleRef);
    this.channels = connectors.map(
      ({ name, connector }) =>
        new ConnectorChannel(
          name,
          connector,
          this.options.maxConnectorBacklog,
          this.retry,
          this.logger,
        ),
    );
    if (!this.store && this.channels.length === 0) return;
    this.running = true;
    for (const engine of this.registry.getAll()) {
      engine.queue.watchBacklog(this.options.maxBatchSize, () => this.flushSoon());
    }
    this.schedule(this.options.flushIntervalMs);
  }

  /**
   * Writes what is queued now; resolves when the store and every connector
   * have it. With `timeoutMs`, rejects with `FlushTimeoutError` after that
   * long; the flush goes on.
   */
  async flush(options: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.running && !this.shutdown) return;
    const flushed = this.drain().then(() => this.drainConnectors());
    if (options.timeoutMs === undefined) return flushed;
    // After a timeout nobody awaits the flush: a later failure must not go unhandled.
    flushed.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new FlushTimeoutError(options.timeoutMs!)),
        options.timeoutMs,
      );
    });
    try {
      await Promise.race([flushed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Calls `observer` after every flush pass that stored records; returns how to stop. */
  observeFlushes(observer: (flush: FlushObservation) => void): () => void {
    this.flushObservers.add(observer);
    return () => void this.flushObservers.delete(observer);
  }

  /** Stops the timer and the engines, then writes what is left, within `shutdownTimeoutMs`. */
  beforeApplicationShutdown(): Promise<void> {
    this.shutdown ??= this.stop();
    return this.shutdown;
  }

  private async stop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    clearTimeout(this.timer);
    for (const engine of this.registry.getAll()) engine.close();
    if (!wasRunning) return;
    this.retry.finishBy(Date.now() + this.options.shutdownTimeoutMs);
    try {
      await this.drain();
    } catch (error) {
      if (!(error instanceof ShutdownDeadlineError)) throw error;
      const left = this.inFlightRecords() + this.registry.getAll().reduce((n, e) => n + e.size, 0);
      this.stats.unflushed += left;
      this.logger.error(messages.unflushedAtShutdown(left, this.options.shutdownTimeoutMs));
    }
    await Promise.all(
      this.channels.map(async (channel) => {
        try {
          await channel.drain();
        } catch (error) {
          if (!(error instanceof ShutdownDeadlineError)) throw error;
          channel.stats.unflushed += channel.stats.backlog;
          this.logger.error(
            messages.connectorUnflushed(
              channel.name,
              channel.stats.backlog,
              this.options.shutdownTimeoutMs,
            ),
          );
        }
        await channel.close();
      }),
    );
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), delayMs);
    // The broker never keeps an application alive on its own.
    this.timer.unref();
  }

  /** A queue reached `maxBatchSize`: flush now, or right after the pass under way. */
  private flushSoon(): void {
    if (!this.running) return;
    if (this.draining) this.drainAgain = true;
    else this.schedule(0);
  }

  private tick(): void {
    this.drain()
      .catch((error: unknown) => this.logger.error(messages.flushFailed(describeError(error))))
      .finally(() => {
        if (this.running) this.schedule(this.options.flushIntervalMs);
      });
  }

  /** Runs drain passes one at a time; a request during a pass gets one more pass. */
  private drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      try {
        do {
          this.drainAgain = false;
          await this.drainQueued();
          // Publishers that waited for space may have refilled a queue without a signal.
          if (
            this.running &&
            this.registry.getAll().some((e) => e.size >= this.options.maxBatchSize)
          ) {
            this.drainAgain = true;
          }
        } while (this.drainAgain);
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  private async drainConnectors(): Promise<void> {
    await Promise.all(this.channels.map((channel) => channel.drain()));
  }

  /**
   * Writes the records queued when the pass began (and any batch still in
   * flight). Up to `storeConcurrency` batches are stored at once, so the
   * database ingests one while the next is taken and encoded; connectors get
   * them in the order they were taken.
   */
  private async drainQueued(): Promise<void> {
    const engines = this.registry.getAll();
    const remaining = engines.map((engine) => engine.size);
    const started = performance.now();
    let records = 0;
    for (;;) {
      while (this.inFlight.length < this.options.storeConcurrency) {
        const batch = this.takeBatch(engines, remaining);
        if (batch.length === 0) break;
        const stored = this.storeWithRetry(batch);
        // Awaited in order below; a batch behind a failing one must not count as unhandled.
        stored.catch(() => undefined);
        this.inFlight.push({ batch, stored });
      }
      if (this.inFlight.length === 0) {
        if (records > 0) {
          this.notifyFlush({ durationSeconds: (performance.now() - started) / 1000, records });
        }
        return;
      }
      const stored = await this.inFlight[0].stored;
      records += this.inFlight.shift()!.batch.length;
      for (const channel of this.channels) channel.push(stored);
      this.lastFlushAt = new Date();
    }
  }

  private notifyFlush(flush: FlushObservation): void {
    for (const observer of this.flushObservers) {
      try {
        observer(flush);
      } catch (error) {
        // An observer (metrics) must never break flushing.
        this.logger.warn(messages.flushObserverFailed(describeError(error)));
      }
    }
  }

  private inFlightRecords(): number {
    return this.inFlight.reduce((n, { batch }) => n + batch.length, 0);
  }

  /** Up to `maxBatchSize` records, taken round-robin so no topic starves the others. */
  private takeBatch(engines: MetadataEngine[], remaining: number[]): MetadataRecord[] {
    const batch: MetadataRecord[] = [];
    for (let visited = 0; visited < engines.length; visited++) {
      const i = (this.nextEngine + visited) % engines.length;
      const want = Math.min(remaining[i], this.options.maxBatchSize - batch.length);
      if (want <= 0) continue;
      const taken = engines[i].take(want);
      // A drop-oldest queue may hold fewer than it did when the pass began.
      remaining[i] = taken.length < want ? 0 : remaining[i] - taken.length;
      for (const record of taken) batch.push(record);
    }
    this.nextEngine = (this.nextEngine + 1) % Math.max(1, engines.length);
    return batch;
  }

  /** Stores a batch, retrying until it is stored; returns the records the database took. */
  private async storeWithRetry(batch: MetadataRecord[]): Promise<readonly MetadataRecord[]> {
    if (!this.store) return batch;
    const store = this.store;
    let attempts = 1;
    const result = await this.retry.run(
      () => store.write(batch),
      (error, attempt, retryInMs) => {
        this.stats.failedWrites++;
        attempts = attempt + 1;
        // The first failure of a batch and every tenth: an outage is visible, not noisy.
        if (attempt % 10 === 1) {
          this.logger.warn(
            messages.storeWriteFailed(batch.length, attempt, retryInMs, describeError(error)),
          );
        }
      },
    );
    if (attempts > 1) this.logger.log(messages.storeRecovered(batch.length, attempts));
    this.stats.stored += batch.length - result.deadLettered.length;
    if (result.deadLettered.length === 0) return batch;
    this.stats.deadLettered += result.deadLettered.length;
    this.logger.warn(messages.deadLettered(result.deadLettered.length));
    const refused = new Set(result.deadLettered);
    return batch.filter((record) => !refused.has(record));
  }
}

function resolveBrokerOptions(options: BrokerOptions = {}): Required<BrokerOptions> {
  const resolved = { ...defaults.broker, ...definedOnly(options) };
  const positive: (keyof BrokerOptions)[] = [
    'flushIntervalMs',
    'shutdownTimeoutMs',
    'retryInitialDelayMs',
    'retryMaxDelayMs',
  ];
  for (const key of positive) {
    if (!(Number.isFinite(resolved[key]) && resolved[key] > 0)) {
      throw new MetaqueueConfigError(
        messages.invalidBrokerOption(key, resolved[key], 'a positive number of milliseconds'),
      );
    }
  }
  for (const key of ['maxBatchSize', 'maxConnectorBacklog', 'storeConcurrency'] as const) {
    if (!(Number.isSafeInteger(resolved[key]) && resolved[key] > 0)) {
      throw new MetaqueueConfigError(
        messages.invalidBrokerOption(key, resolved[key], 'a positive integer'),
      );
    }
  }
  return resolved;
}
