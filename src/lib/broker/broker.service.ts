import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EngineRegistry } from '../engine/engine-registry.js';
import type { MetadataRecord } from '../engine/metadata.interface.js';
import { FlushTimeoutError, MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { defaults } from '../metaqueue.defaults.js';
import { messages } from '../metaqueue.messages.js';
import type { MetaqueueModuleOptions } from '../metaqueue-options.interface.js';
import { METAQUEUE_MODULE_OPTIONS } from '../metaqueue.tokens.js';
import { MetadataStore } from '../store/metadata-store.js';
import { describeError } from '../store/database-errors.js';
import { definedOnly } from '../utils/defined-only.util.js';
import { backoffDelay } from './backoff.js';
import type { BrokerOptions } from './broker-options.interface.js';
import type { BrokerStats } from './broker-stats.interface.js';

/** Thrown inside the broker when the shutdown deadline passes mid-retry. */
class ShutdownDeadline extends Error {}

/**
 * Moves records from the engines' queues to the store: every
 * `flushIntervalMs`, as soon as a queue holds `maxBatchSize`, on `flush()`,
 * and once more at shutdown. Flushes never overlap; a failed write keeps its
 * records and is retried with backoff, so the queues' bounds and overflow
 * policies, not memory, absorb an outage.
 */
@Injectable()
export class BrokerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BrokerService.name);
  private readonly options: Required<BrokerOptions>;
  private readonly stats: BrokerStats = {
    stored: 0,
    deadLettered: 0,
    failedWrites: 0,
    inFlight: 0,
    unflushed: 0,
    lastFlushAt: undefined,
  };
  private inFlight: MetadataRecord[] = [];
  private draining?: Promise<void>;
  private drainAgain = false;
  private timer?: NodeJS.Timeout;
  private running = false;
  private shutdown?: Promise<void>;
  private deadline = Infinity;
  private retryTimer?: NodeJS.Timeout;
  private nextEngine = 0;

  constructor(
    private readonly registry: EngineRegistry,
    @Inject(MetadataStore) private readonly store: MetadataStore | null,
    @Inject(METAQUEUE_MODULE_OPTIONS) moduleOptions: MetaqueueModuleOptions,
  ) {
    this.options = resolveBrokerOptions(moduleOptions.broker);
  }

  /** A snapshot of what the broker has done. */
  get counters(): BrokerStats {
    return { ...this.stats, inFlight: this.inFlight.length };
  }

  onApplicationBootstrap(): void {
    if (!this.store || this.running || this.shutdown) return;
    this.running = true;
    for (const engine of this.registry.getAll()) {
      engine.queue.watchBacklog(this.options.maxBatchSize, () => this.flushSoon());
    }
    this.schedule(this.options.flushIntervalMs);
  }

  /**
   * Stores what is queued now; resolves when it is stored. With `timeoutMs`,
   * rejects with `FlushTimeoutError` after that long; the flush goes on.
   */
  async flush(options: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.store) return;
    const drained = this.drain();
    if (options.timeoutMs === undefined) return drained;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new FlushTimeoutError(options.timeoutMs!)),
        options.timeoutMs,
      );
    });
    try {
      await Promise.race([drained, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the timer and the engines, then stores what is left, within `shutdownTimeoutMs`. */
  beforeApplicationShutdown(): Promise<void> {
    this.shutdown ??= this.stop();
    return this.shutdown;
  }

  private async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    for (const engine of this.registry.getAll()) engine.close();
    if (!this.store) return;
    this.deadline = Date.now() + this.options.shutdownTimeoutMs;
    // From here on, a retry wait must hold the process open until the flush ends.
    this.retryTimer?.ref();
    try {
      await this.drain();
    } catch (error) {
      if (!(error instanceof ShutdownDeadline)) throw error;
      const left =
        this.inFlight.length + this.registry.getAll().reduce((n, engine) => n + engine.size, 0);
      this.stats.unflushed += left;
      this.logger.error(messages.unflushedAtShutdown(left, this.options.shutdownTimeoutMs));
    }
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), delayMs);
    // The broker never keeps an application alive on its own.
    this.timer.unref();
  }

  private flushSoon(): void {
    if (this.running && !this.draining) this.schedule(0);
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
        } while (this.drainAgain);
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  /** Stores the records queued when the pass began (and any batch still in flight). */
  private async drainQueued(): Promise<void> {
    const engines = this.registry.getAll();
    const remaining = engines.map((engine) => engine.size);
    for (;;) {
      if (this.inFlight.length === 0) this.inFlight = this.takeBatch(engines, remaining);
      if (this.inFlight.length === 0) return;
      await this.storeWithRetry(this.inFlight);
      this.inFlight = [];
      this.stats.lastFlushAt = new Date();
    }
  }

  /** Up to `maxBatchSize` records, taken round-robin so no topic starves the others. */
  private takeBatch(
    engines: ReturnType<EngineRegistry['getAll']>,
    remaining: number[],
  ): MetadataRecord[] {
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

  private async storeWithRetry(batch: MetadataRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.store!.write(batch);
        this.stats.stored += result.stored;
        this.stats.deadLettered += result.deadLettered;
        if (result.deadLettered > 0) this.logger.warn(messages.deadLettered(result.deadLettered));
        if (attempt > 1) this.logger.log(messages.storeRecovered(batch.length, attempt));
        return;
      } catch (error) {
        this.stats.failedWrites++;
        const delay = backoffDelay(
          attempt - 1,
          this.options.retryInitialDelayMs,
          this.options.retryMaxDelayMs,
        );
        if (Date.now() + delay > this.deadline) throw new ShutdownDeadline();
        // The first failure of a batch and every tenth: an outage is visible, not noisy.
        if (attempt % 10 === 1) {
          this.logger.warn(
            messages.storeWriteFailed(batch.length, attempt, delay, describeError(error)),
          );
        }
        await this.wait(delay);
      }
    }
  }

  private wait(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.retryTimer = setTimeout(resolve, delayMs);
      if (!this.shutdown) this.retryTimer.unref();
    });
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
  if (!(Number.isSafeInteger(resolved.maxBatchSize) && resolved.maxBatchSize > 0)) {
    throw new MetaqueueConfigError(
      messages.invalidBrokerOption('maxBatchSize', resolved.maxBatchSize, 'a positive integer'),
    );
  }
  return resolved;
}
