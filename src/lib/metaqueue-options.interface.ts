import type { BrokerOptions } from './broker/broker-options.interface.js';
import type { BufferOptions } from './buffer/buffer-options.interface.js';
import type { ConnectorRegistration } from './connectors/metadata-connector.interface.js';
import type { Topic } from './record/topic.interface.js';
import type { MetaQueueOptions } from './queue/meta-queue-options.interface.js';
import type { AppDataSourceStoreOptions } from './store/app-data-source/app-store-options.interface.js';
import type { StoreOptions } from './store/store-options.interface.js';

/** A topic with its own queue settings. */
export interface TopicDefinition<T = unknown> extends MetaQueueOptions<T> {
  topic: Topic;
}

/** A topic name (its queue takes the defaults) or a topic with settings. */
export type TopicDeclaration = Topic | TopicDefinition;

/**
 * Set where the module is imported, for `forRoot()` and `forRootAsync()` alike:
 * engine providers need their tokens before any async option resolves.
 */
export interface MetaqueueModuleExtras {
  /** Every topic of the application; one `MetadataEngine` provider each. */
  topics: TopicDeclaration[];
  /** Register the engines and the `TaskRunner` in every module. Default `false`. */
  isGlobal?: boolean;
}

/** The options `forRoot()` takes, or `forRootAsync()` resolves. */
export interface MetaqueueModuleOptions {
  /** Queue settings for every topic; a topic's own settings win. */
  queueDefaults?: MetaQueueOptions;
  /**
   * The database: a PostgreSQL server, or by default embedded PGlite; the
   * application's TypeORM DataSource; `false` for none.
   */
  store?: StoreOptions | AppDataSourceStoreOptions | false;
  /** When and how records are flushed. */
  broker?: BrokerOptions;
  /** Where accepted records wait for the sinks: in memory (default), a log on disk, or Redis streams a fleet shares. */
  buffer?: BufferOptions;
  /** Where else every stored record goes, e.g. `new OpenMetricsFileConnector({ path })`. */
  connectors?: ConnectorRegistration[];
  /**
   * Publish a record of every task run (TaskRunner or schedule) to topic
   * `metaqueue_task_runs`. Default `true`.
   */
  recordRuns?: boolean;
  /** The `@MetaTask({ cron })` and `@MetaTask({ every })` schedules; `false` runs none of them. */
  schedule?: ScheduleOptions | false;
}

export interface ScheduleOptions {
  /** How long shutdown waits for scheduled runs under way to finish. Default 10000 ms. */
  shutdownTimeoutMs?: number;
}

/** A provider that `forRootAsync({ useClass })` or `{ useExisting }` asks for the options. */
export interface MetaqueueOptionsFactory {
  createMetaqueueOptions(): MetaqueueModuleOptions | Promise<MetaqueueModuleOptions>;
}
