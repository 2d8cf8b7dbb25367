// The public API of metaqueue: everything users import, and nothing else.
export { MetaqueueModule } from './metaqueue.module.js';
export type {
  MetaqueueModuleExtras,
  MetaqueueModuleOptions,
  MetaqueueOptionsFactory,
} from './metaqueue-options.interface.js';
export type { TopicDeclaration, TopicDefinition } from './engine/topic-definition.interface.js';
export type { ScheduleOptions } from './tasks/schedule-options.interface.js';
export { getEngineToken } from './metaqueue.tokens.js';

export { MetadataEngine } from './engine/metadata-engine.js';
export type { Metadata, MetadataRecord, PublishedMetadata } from './record/metadata.interface.js';
export type {
  DropListener,
  DropReason,
  EngineCounters,
  RejectReason,
} from './engine/engine-counters.interface.js';
export { EngineRegistry } from './engine/engine.registry.js';
export { InjectEngine } from './engine/inject-engine.decorator.js';
export type { TypedEngineDecorator } from './engine/inject-engine.decorator.js';
export { defineTopics } from './engine/define-topics.js';
export type { TopicSettings, TypedTopic, TypedTopics } from './engine/typed-topic.interface.js';
export type { Topic } from './record/topic.interface.js';

export { MetaQueue } from './queue/meta-queue.js';
export type { MetaQueueOptions, OverflowPolicy } from './queue/meta-queue-options.interface.js';
export type { DataOf, DataType, DataTypeName } from './queue/data-type.interface.js';

export { MetaTask } from './tasks/meta-task.decorator.js';
export type {
  MetaTaskOptions,
  MetaTaskRunnable,
  ScheduledTaskCounters,
  TaskResult,
  TaskRunOptions,
} from './tasks/meta-task.interface.js';
export { TaskRunner } from './tasks/task-runner.service.js';
export { MetaTaskScheduler } from './tasks/meta-task.scheduler.js';
export type { RunListener } from './tasks/meta-task.scheduler.js';
export type {
  RunOutcome,
  TaskRunRow,
  TaskRunStatus,
} from './tasks/claims/task-run-row.interface.js';
export type { TaskAlarm, TaskWatchState } from './tasks/task-watch.js';
export { TASK_RUNS_TOPIC } from './engine/task-runs-topic.js';
export { TASK_RUN_RECORD_NAME } from './tasks/task-run.interface.js';
export type { TaskRunData } from './tasks/task-run.interface.js';
export type { TaskArgs, TaskRef, TaskResults } from './tasks/meta-task.interface.js';

export { BrokerService } from './broker/broker.service.js';
export type { BrokerOptions } from './broker/broker-options.interface.js';
export type { BrokerStats, SinkStats } from './broker/broker-stats.interface.js';
export type { BufferStats } from './buffer/source-report.interface.js';
export type {
  BufferOptions,
  BufferSync,
  DiskBufferOptions,
  MemoryBufferOptions,
  RedisBufferOptions,
  BrokerRole,
} from './buffer/buffer-options.interface.js';
export { STORE_SINK } from './store/store-sink.constants.js';

export type {
  ConnectorContext,
  ConnectorRegistration,
  MetadataConnector,
} from './connectors/metadata-connector.interface.js';
export type { ReplayGuard } from './buffer/replay-guard.interface.js';
export { OpenMetricsFileConnector } from './connectors/openmetrics/openmetrics-file.connector.js';
export type { OpenMetricsFileStats } from './connectors/openmetrics/openmetrics-file.connector.js';
export type {
  OpenMetricsFileOptions,
  OpenMetricsMergeRule,
  OpenMetricsSampleMode,
  OpenMetricsSeriesLabel,
} from './connectors/openmetrics/openmetrics-file-options.interface.js';

export { MetadataStore } from './store/metadata-store.js';
export type { StoreWriteResult } from './store/store-write-result.interface.js';
export type {
  OptionalStoreIndex,
  PartitionPeriod,
  PGliteStoreOptions,
  RetentionPeriod,
  StoreLayoutOptions,
  StoreOptions,
} from './store/store-options.interface.js';
export type { MaintenanceCounters } from './store/partitions/partition-maintenance.js';
export type { ReadOptions } from './store/reads/read-options.interface.js';
export { MetadataEntity } from './store/metadata.entity.js';
export { DeadLetterEntity } from './store/dead-letter.entity.js';
export { TaskRunEntity } from './store/task-run.entity.js';
export { storeDataSourceOptions } from './store/data-source.factory.js';
export { metaqueueEntities, metaqueueMigrations } from './store/store-schema.js';
export type { AppDataSourceStoreOptions } from './store/store-options.interface.js';

export {
  BufferRefusedError,
  BufferUnavailableError,
  DataTypeError,
  EngineClosedError,
  FlushTimeoutError,
  DuplicateTopicError,
  InvalidMetadataError,
  MetaqueueConfigError,
  MetaqueueError,
  MetaTaskError,
  PublishError,
  ReadCancelledError,
  ReadTimeoutError,
  PublishTimeoutError,
  RecordRefusedError,
  StoreSchemaError,
  QueueFullError,
  ShutdownDeadlineError,
} from './errors/metaqueue.errors.js';

export { MetaqueueMetrics } from './metrics/metaqueue-metrics.service.js';
export type { MetricsScrape } from './metrics/metrics-scrape.interface.js';
export type { AppMetricsRegistry, MetricsOptions } from './metrics/metrics-options.interface.js';
export { MetricsController } from './metrics/metrics.controller.js';
export type { FlushObservation } from './broker/flush-observation.interface.js';
export { MetaqueueHealthIndicator } from './health/metaqueue-health.indicator.js';
export type {
  MetaqueueHealth,
  MetaqueueHealthOptions,
  MetaqueueHealthResult,
} from './health/metaqueue-health.interface.js';
export { MetadataQueryService } from './query/metadata-query.service.js';
export { MetadataController } from './query/metadata.controller.js';
export type {
  MetadataPage,
  MetadataQuery,
  StoredMetadata,
} from './query/metadata-query.interface.js';
export type { MetadataPreview, MetadataPreviewPage } from './query/metadata-query.interface.js';
export { MetaqueueBoardModule } from './board/metaqueue-board.module.js';
export type { MetaqueueBoardOptions } from './board/metaqueue-board-options.interface.js';
export type { BoardOverview, BoardTopic } from './board/board-overview.interface.js';
export type {
  BoardNames,
  BoardPoint,
  BoardSeries,
  BoardSeriesQuery,
} from './board/board-chart.interface.js';
export type {
  BoardRunsSource,
  BoardTask,
  BoardTaskRun,
  BoardTaskRuns,
  BoardTasks,
} from './board/board-tasks.interface.js';
