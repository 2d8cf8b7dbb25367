import { Inject, Injectable } from '@nestjs/common';
import { BrokerService } from '../broker/broker.service.js';
import { EngineRegistry } from '../engine/engine-registry.js';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { STORE_SINK } from '../metrics/metric-families.js';
import { MetadataStore } from '../store/metadata-store.js';
import { defaults } from '../metaqueue.defaults.js';
import { messages } from '../metaqueue.messages.js';

/** Thresholds of `isHealthy()`. */
export interface MetaqueueHealthOptions {
  /** A sink failing this long (records waiting, none written) is down. Default 60 s. */
  failingForMs?: number;
  /** A queue full at every check for this long is down. Default 60 s. */
  fullForMs?: number;
}

/** What `isHealthy()` says, under its key; a `HealthIndicatorResult` of @nestjs/terminus. */
export type MetaqueueHealthResult<Key extends string = string> = Record<Key, MetaqueueHealth>;

export interface MetaqueueHealth {
  status: 'up' | 'down';
  /** Why it is down. */
  message?: string;
  /** Sinks ("store" or connector names) failing longer than `failingForMs`. */
  failingSinks?: string[];
  /** Topics whose queue has been full longer than `fullForMs`. */
  fullQueues?: string[];
}

/** Where a sink stood at the last check. */
interface SinkProgress {
  written: number;
  failedWrites: number;
  /** When a check first saw it failing without progress since. */
  failingSince?: number;
}

/**
 * A health indicator for @nestjs/terminus:
 * `health.check([() => metaqueue.isHealthy('metaqueue')])`.
 *
 * Down when a sink (the store or a connector) has been failing for longer
 * than `failingForMs`: it has records waiting, a write failed, and nothing
 * was written since; or when a queue has stayed full for longer than
 * `fullForMs`. Both are judged at checks: a state counts from the first check
 * that saw it, so it is down from the first check more than the threshold
 * later. Needs no import of @nestjs/terminus, which stays optional.
 */
@Injectable()
export class MetaqueueHealthIndicator {
  private readonly sinks = new Map<string, SinkProgress>();
  private readonly fullSince = new Map<string, number>();

  constructor(
    private readonly engines: EngineRegistry,
    private readonly broker: BrokerService,
    @Inject(MetadataStore) private readonly store: MetadataStore | null,
  ) {}

  isHealthy<const Key extends string = 'metaqueue'>(
    key: Key = 'metaqueue' as Key,
    options: MetaqueueHealthOptions = {},
  ): MetaqueueHealthResult<Key> {
    const failingForMs = threshold('failingForMs', options.failingForMs);
    const fullForMs = threshold('fullForMs', options.fullForMs);
    const now = Date.now();
    const counters = this.broker.counters;
    const sinks = Object.entries(counters.connectors).map(([name, c]) => ({
      name,
      written: c.written,
      failedWrites: c.failedWrites,
      backlog: c.backlog,
    }));
    if (this.store) {
      sinks.unshift({
        name: STORE_SINK,
        written: counters.stored + counters.deadLettered,
        failedWrites: counters.failedWrites,
        backlog: counters.inFlight,
      });
    }
    const failingSinks: string[] = [];
    for (const sink of sinks) {
      const since = this.track(sink, now);
      if (since !== undefined && now - since > failingForMs) failingSinks.push(sink.name);
    }

    const fullQueues: string[] = [];
    for (const engine of this.engines.getAll()) {
      if (engine.size < engine.capacity) {
        this.fullSince.delete(engine.topic);
        continue;
      }
      const since = this.fullSince.get(engine.topic) ?? now;
      this.fullSince.set(engine.topic, since);
      if (now - since > fullForMs) fullQueues.push(engine.topic);
    }

    const health: MetaqueueHealth =
      failingSinks.length === 0 && fullQueues.length === 0
        ? { status: 'up' }
        : {
            status: 'down',
            message: messages.unhealthy(failingSinks, fullQueues),
            failingSinks,
            fullQueues,
          };
    return { [key]: health } as MetaqueueHealthResult<Key>;
  }

  /** Updates a sink's progress; returns since when it has been failing, if it is. */
  private track(
    sink: { name: string; written: number; failedWrites: number; backlog: number },
    now: number,
  ): number | undefined {
    const last = this.sinks.get(sink.name) ?? { written: 0, failedWrites: 0 };
    let failingSince = last.failingSince;
    if (sink.written > last.written || sink.backlog === 0) failingSince = undefined;
    else if (sink.failedWrites > last.failedWrites) failingSince ??= now;
    // Otherwise nothing happened since the last check (a retry waiting out its backoff).
    this.sinks.set(sink.name, {
      written: sink.written,
      failedWrites: sink.failedWrites,
      failingSince,
    });
    return failingSince;
  }
}

function threshold(option: keyof MetaqueueHealthOptions, value: number | undefined): number {
  if (value === undefined) return defaults.health[option];
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new MetaqueueConfigError(messages.invalidHealthOption(option, value));
  }
  return value;
}
