import { Counter, Gauge, Histogram, type Registry, type RegistryContentType } from 'prom-client';
import type { BrokerStats } from '../broker/broker-stats.interface.js';
import type { MetadataEngine } from '../engine/metadata-engine.js';

/** What the metrics are read from, at collect time. */
export interface MetricSources {
  engines(): readonly MetadataEngine[];
  broker(): BrokerStats | undefined;
  /** False with `store: false`: the store is then no sink. */
  hasStore(): boolean;
}

/** The label value of the store among the sinks; connectors go by their names. */
export const STORE_SINK = 'store';

// Flushes are taken every second by default and store thousands of records each.
const flushBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Sample<L extends string> = readonly [labels: Record<L, string>, value: number];

/**
 * Registers metaqueue's metric families in one registry. Everything but the
 * flush histogram is read from the engines' and the broker's counters when
 * the registry is collected, so nothing is counted twice and counters only
 * grow as the counters they mirror do.
 */
export function registerMetricFamilies(
  registry: Registry<RegistryContentType>,
  sources: MetricSources,
): Histogram {
  const registers = [registry];
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    samples: () => Iterable<Sample<L>>,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [labels, value] of samples()) this.set(labels, value);
      },
    });
  const counter = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    samples: () => Iterable<Sample<L>>,
  ) =>
    new Counter<L>({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [labels, value] of samples()) this.inc(labels, value);
      },
    });

  const perTopic = (read: (engine: MetadataEngine) => number) => () =>
    sources.engines().map((e): Sample<'topic'> => [{ topic: e.topic }, read(e)]);
  const perReason = (read: (engine: MetadataEngine) => Record<string, number>) => () =>
    sources
      .engines()
      .flatMap((e) =>
        Object.entries(read(e)).map(([reason, n]): Sample<'topic' | 'reason'> => [
          { topic: e.topic, reason },
          n,
        ]),
      );
  const perSink = (store: (b: BrokerStats) => number | undefined, connector: ConnectorRead) => () =>
    sinkSamples(sources.broker(), sources.hasStore() ? store : () => undefined, connector);

  gauge(
    'metaqueue_queue_depth',
    'Records queued now, by topic.',
    ['topic'],
    perTopic((e) => e.size),
  );
  gauge(
    'metaqueue_queue_capacity',
    'The most records the queue holds (bufferSize), by topic.',
    ['topic'],
    perTopic((e) => e.capacity),
  );
  gauge(
    'metaqueue_publishes_waiting',
    'Blocked publishes waiting for space in the queue, by topic.',
    ['topic'],
    perTopic((e) => e.counters.waiting),
  );
  counter(
    'metaqueue_published_total',
    'Calls to publish(), by topic.',
    ['topic'],
    perTopic((e) => e.counters.published),
  );
  counter(
    'metaqueue_accepted_total',
    'Records accepted into the queue, by topic.',
    ['topic'],
    perTopic((e) => e.counters.accepted),
  );
  counter(
    'metaqueue_dropped_total',
    'Records dropped by the overflow policy, by topic and reason.',
    ['topic', 'reason'],
    perReason((e) => e.counters.dropped),
  );
  counter(
    'metaqueue_rejected_total',
    'Publishes rejected with an error, by topic and reason.',
    ['topic', 'reason'],
    perReason((e) => e.counters.rejected),
  );

  counter(
    'metaqueue_sink_written_total',
    'Records written, by sink: "store" (the metadata table) or a connector name.',
    ['sink'],
    perSink(
      (b) => b.stored,
      (c) => c.written,
    ),
  );
  counter(
    'metaqueue_sink_failed_writes_total',
    'Writes that failed and were retried, by sink.',
    ['sink'],
    perSink(
      (b) => b.failedWrites,
      (c) => c.failedWrites,
    ),
  );
  gauge(
    'metaqueue_sink_backlog',
    'Records taken from the queues and not yet written, by sink.',
    ['sink'],
    perSink(
      (b) => b.inFlight,
      (c) => c.backlog,
    ),
  );
  counter(
    'metaqueue_sink_dropped_total',
    'Records a connector dropped because its backlog passed maxConnectorBacklog, by sink.',
    ['sink'],
    perSink(
      () => undefined,
      (c) => c.dropped,
    ),
  );
  counter(
    'metaqueue_sink_unflushed_total',
    'Records shutdown could not write in time, by sink.',
    ['sink'],
    perSink(
      (b) => b.unflushed,
      (c) => c.unflushed,
    ),
  );
  counter(
    'metaqueue_store_dead_lettered_total',
    'Records the database refused, kept in metadata_dead_letter.',
    [],
    () => {
      const broker = sources.broker();
      return broker ? [[{}, broker.deadLettered]] : [];
    },
  );
  gauge(
    'metaqueue_last_flush_timestamp_seconds',
    'When records were last stored, in Unix seconds; 0 before the first flush.',
    [],
    () => {
      const at = sources.broker()?.lastFlushAt;
      return at ? [[{}, at.getTime() / 1000]] : [];
    },
  );

  return new Histogram({
    name: 'metaqueue_flush_duration_seconds',
    help: 'How long each flush pass took to store its records.',
    buckets: flushBuckets,
    registers,
  });
}

type ConnectorRead = (stats: BrokerStats['connectors'][string]) => number;

function sinkSamples(
  broker: BrokerStats | undefined,
  store: (b: BrokerStats) => number | undefined,
  connector: ConnectorRead,
): Sample<'sink'>[] {
  if (!broker) return [];
  const samples: Sample<'sink'>[] = [];
  const stored = store(broker);
  if (stored !== undefined) samples.push([{ sink: STORE_SINK }, stored]);
  for (const [sink, stats] of Object.entries(broker.connectors)) {
    samples.push([{ sink }, connector(stats)]);
  }
  return samples;
}
