import { Counter, Gauge, Histogram, type Metric } from 'prom-client';
import type { BrokerStats, SinkStats } from '../broker/broker-stats.interface.js';
import type { BufferStats, SourceReport, StreamStats } from '../buffer/source-report.interface.js';
import type { OpenMetricsFileStats } from '../connectors/openmetrics/openmetrics-file.connector.js';
import type { MetadataEngine } from '../engine/metadata-engine.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { MaintenanceCounters } from '../store/partitions/partition-maintenance.js';
import type { ScheduledTaskCounters } from '../tasks/meta-task.interface.js';
import type { TaskWatchState } from '../tasks/task-watch.js';
import { flushBuckets, runBuckets } from './metrics.constants.js';

/** What the metrics are read from, at collect time. */
export interface MetricSources {
  engines(): readonly MetadataEngine[];
  broker(): BrokerStats;
  /** The store's own counts; absent with `store: false`. */
  store(): Pick<MetadataStore, 'copyFallbacks' | 'statementTimeouts' | 'maintenance'> | undefined;
  /** Runs and skipped ticks of the scheduled tasks, by task. */
  scheduledTasks(): Record<string, ScheduledTaskCounters>;
  /** What the watch judged of each scheduled task, by task. */
  taskWatch(): Record<string, TaskWatchState>;
  /** What the buffer's source reports: with Redis, its streams and whether it answers. */
  source(): SourceReport;
  /** Each OpenMetrics file connector's own counts, by its sink name. */
  files(): Record<string, OpenMetricsFileStats>;
}

type Sample<L extends string> = readonly [labels: Record<L, string>, value: number];

/** One set of metaqueue's metric families, registered in no registry yet. */
export interface MetricFamilies {
  /** Every family by its name, the flush histogram included. */
  all: Map<string, Metric>;
  flushDuration: Histogram;
  runDuration: Histogram<'task' | 'status'>;
}

/**
 * Creates metaqueue's metric families, for one registry: a family belongs to
 * one registry, since an OpenMetrics registry renames the counters it
 * renders. Everything but the flush histogram is read from the engines' and
 * the broker's counters when the registry is collected, so nothing is
 * counted twice and counters only grow as the counters they mirror do.
 */
export function createMetricFamilies(sources: MetricSources): MetricFamilies {
  const all = new Map<string, Metric>();
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    samples: () => Iterable<Sample<L>> | Promise<Iterable<Sample<L>>>,
  ) =>
    all.set(
      name,
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [],
        async collect() {
          this.reset();
          for (const [labels, value] of await samples()) this.set(labels, value);
        },
      }),
    );
  const counter = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    samples: () => Iterable<Sample<L>>,
  ) =>
    all.set(
      name,
      new Counter<L>({
        name,
        help,
        labelNames,
        registers: [],
        collect() {
          this.reset();
          for (const [labels, value] of samples()) this.inc(labels, value);
        },
      }),
    );

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
  const storeCount =
    (read: (store: NonNullable<ReturnType<MetricSources['store']>>) => number) =>
    (): Sample<never>[] => {
      const store = sources.store();
      return store ? [[{}, read(store)]] : [];
    };
  // Only with the disk buffer.
  const fromBuffer = (read: (buffer: BufferStats) => number) => (): Sample<never>[] => {
    const buffer = sources.broker().buffer;
    return buffer ? [[{}, read(buffer)]] : [];
  };
  const perSink = (read: (sink: SinkStats) => number) => () =>
    Object.entries(sources.broker().sinks).map(([sink, s]): Sample<'sink'> => [{ sink }, read(s)]);
  const perFile = (read: (file: OpenMetricsFileStats) => number) => () =>
    Object.entries(sources.files()).map(([sink, s]): Sample<'sink'> => [{ sink }, read(s)]);

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
    'metaqueue_sink_unconfirmed_total',
    'Of the unflushed records, those in writes under way at the deadline: the sink may have them.',
    ['sink'],
    perSink((s) => s.unconfirmed),
  );
  counter(
    'metaqueue_sink_dead_lettered_total',
    'Records a sink refused for good, kept in metadata_dead_letter (or logged, with no store), by sink.',
    ['sink'],
    perSink((s) => s.deadLettered),
  );
  counter(
    'metaqueue_file_samples_merged_total',
    'Samples an OpenMetrics file merged into another of the same series and millisecond (its merge rule), by sink.',
    ['sink'],
    perFile((f) => f.samplesMerged),
  );
  counter(
    'metaqueue_file_records_not_written_total',
    'Records an OpenMetrics file in series left out, their data not being a number, by sink.',
    ['sink'],
    perFile((f) => f.recordsNotWritten),
  );
  counter(
    'metaqueue_store_copy_fallbacks_total',
    "Batches COPY refused (a row already stored, a poison row, or a field COPY's binary form cannot carry) that were written the exact way.",
    [],
    storeCount((store) => store.copyFallbacks),
  );
  counter(
    'metaqueue_store_statement_timeouts_total',
    "Statements that outlasted the server's statement_timeout; their batches were then written in smaller statements.",
    [],
    storeCount((store) => store.statementTimeouts),
  );
  const maintenance: [string, string, (c: MaintenanceCounters) => number][] = [
    [
      'metaqueue_store_partitions_created_total',
      'Partitions of table metadata the store made ahead of their records (store.partition).',
      (c) => c.partitionsCreated,
    ],
    [
      'metaqueue_store_partitions_dropped_total',
      'Partitions of table metadata dropped whole, their records past the retention horizon (store.retention).',
      (c) => c.partitionsDropped,
    ],
    [
      'metaqueue_store_default_rows_expired_total',
      'Records of the default partition of table metadata (a time no partition covered) deleted past the retention horizon (store.retention).',
      (c) => c.defaultRowsExpired,
    ],
    [
      'metaqueue_store_dead_letters_expired_total',
      'Dead letters deleted past their horizon (store.deadLetterRetention).',
      (c) => c.deadLettersExpired,
    ],
    [
      'metaqueue_store_task_runs_expired_total',
      'Runs of scheduled tasks deleted past their horizon (store.taskRunRetention).',
      (c) => c.taskRunsExpired,
    ],
    [
      'metaqueue_store_maintenance_failures_total',
      'Maintenance steps (partitions ahead, retention, indexes) that failed; each is tried again at the next run.',
      (c) => c.failedSteps,
    ],
  ];
  for (const [name, help, read] of maintenance) {
    counter(
      name,
      help,
      [],
      storeCount((store) => read(store.maintenance.counters)),
    );
  }
  const perTask = (read: (task: ScheduledTaskCounters) => number) => () =>
    Object.entries(sources.scheduledTasks()).map(([task, c]): Sample<'task'> => [
      { task },
      read(c),
    ]);
  counter(
    'metaqueue_task_scheduled_runs_total',
    'Ticks of a scheduled task that started a run, by task.',
    ['task'],
    perTask((c) => c.runs),
  );
  counter(
    'metaqueue_task_ticks_skipped_total',
    'Ticks of a scheduled task skipped because its previous run was still going, by task.',
    ['task'],
    perTask((c) => c.skipped),
  );
  counter(
    'metaqueue_task_ticks_claimed_elsewhere_total',
    'Ticks of a scheduled task another replica claimed first (and ran), by task.',
    ['task'],
    perTask((c) => c.claimedElsewhere),
  );
  const perWatched =
    <L extends string>(read: (task: string, state: TaskWatchState) => Sample<L>[]) =>
    () =>
      Object.entries(sources.taskWatch()).flatMap(([task, state]) => read(task, state));
  const seconds = (ms: number) => ms / 1000;
  gauge(
    'metaqueue_task_last_success_timestamp_seconds',
    'When a run of the task last succeeded (it ended), anywhere in the fleet, in Unix seconds; absent before the first.',
    ['task'],
    perWatched((task, s) =>
      s.lastSuccessAt === undefined ? [] : [[{ task }, seconds(s.lastSuccessAt)]],
    ),
  );
  gauge(
    'metaqueue_task_last_run_timestamp_seconds',
    'When a run of the task last ended, anywhere in the fleet, by how (succeeded, failed, lost), in Unix seconds.',
    ['task', 'status'],
    perWatched((task, s) =>
      Object.entries(s.lastRunAt).map(([status, at]): Sample<'task' | 'status'> => [
        { task, status },
        seconds(at),
      ]),
    ),
  );
  gauge(
    'metaqueue_task_next_run_timestamp_seconds',
    'When the next tick of the task is due, from its schedule, in Unix seconds.',
    ['task'],
    perWatched((task, s) => [[{ task }, seconds(s.nextTickAt)]]),
  );
  counter(
    'metaqueue_task_missed_runs_total',
    "Ticks of the task no replica claimed within the grace, as this replica's watch saw them, by task.",
    ['task'],
    perWatched((task, s) => [[{ task }, s.missedTotal]]),
  );
  counter(
    'metaqueue_task_late_runs_total',
    'Runs of the task that started more than the grace after their tick, as this replica saw them, by task.',
    ['task'],
    perWatched((task, s) => [[{ task }, s.lateTotal]]),
  );
  gauge(
    'metaqueue_task_overrunning_runs',
    'Runs of the task going on longer than its maxRuntimeMs now, by task.',
    ['task'],
    perWatched((task, s) => [[{ task }, s.overrunning]]),
  );
  gauge(
    'metaqueue_task_failing',
    'Whether the last failingAfter runs of the task all failed: 1 or 0, by task.',
    ['task'],
    perWatched((task, s) => [[{ task }, s.alarms.failing === undefined ? 0 : 1]]),
  );
  counter(
    'metaqueue_buffer_corrupt_records_total',
    'Records the disk buffer found corrupt and skipped, or torn by a crash and cut, and ledger positions found damaged or past the end of the log.',
    [],
    fromBuffer((b) => b.corrupt),
  );
  counter(
    'metaqueue_buffer_failed_writes_total',
    'Writes to the disk buffer that failed (a full disk, an I/O error) and were retried.',
    [],
    fromBuffer((b) => b.failedWrites),
  );
  gauge(
    'metaqueue_buffer_bytes',
    'Bytes of the disk buffer on disk.',
    [],
    fromBuffer((b) => b.bytes),
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

  const streams = sources.source().streams;
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
      () => [[{}, sources.source().reachable ? 1 : 0]],
    );
    counter(
      'metaqueue_buffer_foreign_entries_total',
      "Entries of a topic's Redis stream that held no record metaqueue can deliver (another program's, or damaged), moved to the dead-letter stream, by stream.",
      ['stream'],
      () =>
        Object.entries(sources.source().foreignEntries ?? {}).map(
          ([stream, n]): Sample<'stream'> => [{ stream }, n],
        ),
    );
    counter(
      'metaqueue_stream_refusals_total',
      "Commands on a topic's Redis stream that Redis answered with an error (an append, or making the groups), by stream, command and Redis's error code (OOM, NOPERM, WRONGTYPE, …).",
      ['stream', 'command', 'code'],
      () =>
        (sources.source().refusals ?? []).map(
          ({ stream, command, code, refusals }): Sample<'stream' | 'command' | 'code'> => [
            { stream, command, code },
            refusals,
          ],
        ),
    );
    counter(
      'metaqueue_stream_evicted_others_total',
      "Entries drop-oldest pushed out of a stream that this process did not publish (another replica's, or another program's): not in this process's dropped records, by stream.",
      ['stream'],
      () =>
        Object.entries(sources.source().evictedOthers ?? {}).map(
          ([stream, n]): Sample<'stream'> => [{ stream }, n],
        ),
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

  const flushName = 'metaqueue_flush_duration_seconds';
  const flushDuration = new Histogram({
    name: flushName,
    help: 'How long each flush pass took to store its records.',
    buckets: flushBuckets,
    registers: [],
  });
  all.set(flushName, flushDuration);
  const runName = 'metaqueue_task_run_duration_seconds';
  const runDuration = new Histogram<'task' | 'status'>({
    name: runName,
    help: 'How long each scheduled run this replica claimed took, by task and status.',
    labelNames: ['task', 'status'],
    buckets: runBuckets,
    registers: [],
  });
  all.set(runName, runDuration);
  return { all, flushDuration, runDuration };
}
