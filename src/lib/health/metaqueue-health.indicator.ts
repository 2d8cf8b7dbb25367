import { Inject, Injectable } from '@nestjs/common';
import type { SinkStats } from '../broker/broker-stats.interface.js';
import { BrokerService } from '../broker/broker.service.js';
import type { RecordSource } from '../buffer/record-source.interface.js';
import { EngineRegistry } from '../engine/engine.registry.js';
import { defaults } from '../metaqueue.defaults.js';
import { httpMessages } from '../metaqueue.messages.js';
import { RECORD_SOURCE } from '../metaqueue.tokens.js';
import { MetaTaskScheduler } from '../tasks/meta-task.scheduler.js';
import { assertOption, optionRules } from '../utils/assert-option.util.js';
import type {
  MetaqueueHealth,
  MetaqueueHealthOptions,
  MetaqueueHealthResult,
} from './metaqueue-health.interface.js';

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
 * `fullForMs`; and at once while Redis, where records wait, cannot be
 * reached, or refuses a stream's appends or groups (`buffer: { type: 'redis' }`); and
 * while the watch holds a scheduled task `missed`, `late`, `overrunning` or
 * `failing` (`tasksDown` names each, and why). The first two are judged at checks: a state counts from the first check
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
    @Inject(RECORD_SOURCE) private readonly source: RecordSource,
    private readonly scheduler: MetaTaskScheduler,
  ) {}

  isHealthy<const Key extends string = 'metaqueue'>(
    key: Key = 'metaqueue' as Key,
    options: MetaqueueHealthOptions = {},
  ): MetaqueueHealthResult<Key> {
    const failingForMs = threshold('failingForMs', options.failingForMs);
    const fullForMs = threshold('fullForMs', options.fullForMs);
    const now = Date.now();
    const failingSinks: string[] = [];
    const failures: Record<string, string> = {};
    for (const [name, sink] of Object.entries(this.broker.counters.sinks)) {
      const since = this.track(name, sink, now);
      if (since === undefined || now - since <= failingForMs) continue;
      failingSinks.push(name);
      failures[name] = sink.lastError ?? 'retrying';
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

    const report = this.source.report();
    const bufferUnreachable = !report.reachable;
    const bufferRefused = (report.refused ?? []).map(httpMessages.refusedStream);
    const tasksDown = this.tasksDown();
    const health: MetaqueueHealth =
      failingSinks.length === 0 &&
      fullQueues.length === 0 &&
      !bufferUnreachable &&
      bufferRefused.length === 0 &&
      Object.keys(tasksDown).length === 0
        ? { status: 'up' }
        : {
            status: 'down',
            message: httpMessages.unhealthy(
              failures,
              fullQueues,
              bufferUnreachable,
              bufferRefused,
              tasksDown,
            ),
            failingSinks,
            failures,
            fullQueues,
            ...(bufferUnreachable && { bufferUnreachable }),
            ...(bufferRefused.length > 0 && { bufferRefused }),
            ...(Object.keys(tasksDown).length > 0 && { tasksDown }),
          };
    return { [key]: health } as MetaqueueHealthResult<Key>;
  }

  /** The scheduled tasks the watch holds in an alarm now, each with its alarms and why. */
  private tasksDown(): Record<string, string> {
    const down: Record<string, string> = {};
    for (const [task, { alarms }] of Object.entries(this.scheduler.watchStates())) {
      const reasons = Object.entries(alarms).map(([alarm, why]) => `${alarm}: ${why}`);
      if (reasons.length > 0) down[task] = reasons.join('; ');
    }
    return down;
  }

  /** Updates a sink's progress; returns since when it has been failing, if it is. */
  private track(name: string, sink: SinkStats, now: number): number | undefined {
    // A dead-lettered record is progress too: the sink answered about it.
    const written = sink.written + sink.deadLettered;
    const last = this.sinks.get(name) ?? { written: 0, failedWrites: 0 };
    let failingSince = last.failingSince;
    if (written > last.written || sink.backlog === 0) failingSince = undefined;
    else if (sink.failedWrites > last.failedWrites) failingSince ??= now;
    // Otherwise nothing happened since the last check (a retry waiting out its backoff).
    this.sinks.set(name, {
      written,
      failedWrites: sink.failedWrites,
      failingSince,
    });
    return failingSince;
  }
}

function threshold(option: keyof MetaqueueHealthOptions, value: number | undefined): number {
  if (value === undefined) return defaults.health[option];
  assertOption('health', option, value, optionRules.nonNegativeMs);
  return value;
}
