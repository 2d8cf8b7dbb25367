import { Counter, Gauge, Histogram, type Registry, type RegistryContentType } from 'prom-client';
import { STORE_SINK } from '../broker/broker.constants.js';
import type { BrokerStats, SinkStats } from '../broker/broker-stats.interface.js';
import type { StreamStats } from '../broker/source/redis/stream-stats.interface.js';
import type { MetadataEngine } from '../engine/metadata-engine.js';
import { flushBuckets } from './metrics.constants.js';

/** What the metrics are read from, at collect time. */
export interface MetricSources {
  engines(): readonly MetadataEngine[];
  broker(): BrokerStats;
  /** Batches COPY refused that the store wrote the exact way; absent with `store: false`. */
  copyFallbacks(): number | undefined;
  /** The shared buffer's streams (Redis); absent with the memory buffer. */
  streams?(): Promise<StreamStats[]>;
  /** Whether the shared buffer answers; absent with the memory buffer. */
  bufferAvailable(): boolean | undefined;
}

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
    samples: () => Iterable<Sample<L>> | Promise<Iterable<Sample<L>>>,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        this.reset();
        for (const [labels, value] of await samples()) this.set(labels, value);
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
  const perSink = (read: (sink: SinkStats) => number) => () =>
    Object.entries(sources.broker().sinks).map(([sink, s]): Sample<'sink'> => [{ sink }, read(s)]);

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
    perSink((s) => s.written),
  );
  counter(
    'metaqueue_sink_already_written_total',
    'Records a retry found already written (the first attempt succeeded, its reply was lost), by sink.',
    ['sink'],
    perSink((s) => s.alreadyWritten),
  );
  counter(
    'metaqueue_sink_failed_writes_total',
    'Writes that failed and were retried, by sink.',
    ['sink'],
    perSink((s) => s.failedWrites),
  );
  gauge(
    'metaqueue_sink_backlog',
    'Records taken from the queues and not yet written, by sink.',
    ['sink'],
    perSink((s) => s.backlog),
  );
  counter(
    'metaqueue_sink_dropped_total',
    'Records a connector dropped because its backlog passed maxConnectorBacklog, by sink.',
    ['sink'],
    perSink((s) => s.dropped),
  );
  counter(
    'metaqueue_sink_unflushed_total',
    'Records shutdown could not write in time, by sink.',
    ['sink'],
    perSink((s) => s.unflushed),
  );
  counter(
    'metaqueue_store_dead_lettered_total',
    'Records the database refused, kept in metadata_dead_letter.',
    [],
    () => {
      const store = sources.broker().sinks[STORE_SINK];
      return store ? [[{}, store.deadLettered]] : [];
    },
  );
  counter(
    'metaqueue_store_copy_fallbacks_total',
    'Batches COPY refused (a row already stored, or a poison row) that were written the exact way.',
    [],
    () => {
      const fallbacks = sources.copyFallbacks();
      return fallbacks === undefined ? [] : [[{}, fallbacks]];
    },
  );
  gauge(
    'metaqueue_last_flush_timestamp_seconds',
    'When records were last stored, in Unix seconds; 0 before the first flush.',
    [],
    () => {
      const at = sources.broker().lastFlushAt;
      return at ? [[{}, at.getTime() / 1000]] : [];
    },
  );

  const streams = sources.streams?.bind(sources);
  if (streams) {
    // Read from Redis at each scrape; while it is down the scrape still answers, without them.
    const perStream =
      <L extends string>(read: (stats: StreamStats[]) => Sample<L>[]) =>
      () =>
        streams().then(read, () => []);
    gauge(
      'metaqueue_buffer_reachable',
      'Whether Redis, where records wait, answers: 1 or 0.',
      [],
      () => [[{}, sources.bufferAvailable() ? 1 : 0]],
    );
    gauge(
      'metaqueue_stream_length',
      "Entries in a topic's Redis stream.",
      ['stream'],
      perStream((stats) => stats.map((s): Sample<'stream'> => [{ stream: s.stream }, s.length])),
    );
    gauge(
      'metaqueue_stream_pending',
      'Entries handed to a worker and not yet acknowledged, by stream and group (sink).',
      ['stream', 'group'],
      perStream((stats) =>
        stats.flatMap((s) =>
          s.groups.map((g): Sample<'stream' | 'group'> => [
            { stream: s.stream, group: g.group },
            g.pending,
          ]),
        ),
      ),
    );
    gauge(
      'metaqueue_stream_lag',
      'Entries no worker of the group (sink) has been handed yet, by stream and group.',
      ['stream', 'group'],
      perStream((stats) =>
        stats.flatMap((s) =>
          s.groups.flatMap((g): Sample<'stream' | 'group'>[] =>
            g.lag === undefined ? [] : [[{ stream: s.stream, group: g.group }, g.lag]],
          ),
        ),
      ),
    );
  }

  return new Histogram({
    name: 'metaqueue_flush_duration_seconds',
    help: 'How long each flush pass took to store its records.',
    buckets: flushBuckets,
    registers,
  });
}
