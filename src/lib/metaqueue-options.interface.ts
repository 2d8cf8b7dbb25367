import type { BrokerModuleOptions } from './broker/broker-options.interface.js';
import type { BufferModuleOptions } from './buffer/buffer-options.interface.js';
import type { ConnectorModuleOptions } from './connectors/metadata-connector.interface.js';
import type { EngineModuleOptions, TopicDeclaration } from './engine/topic-definition.interface.js';
import type { MetricsModuleOptions } from './metrics/metrics-options.interface.js';
import type { ReadModuleOptions } from './store/reads/read-options.interface.js';
import type { StoreModuleOptions } from './store/store-options.interface.js';
import type { ScheduleModuleOptions } from './tasks/schedule-options.interface.js';

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

/**
 * The options `forRoot()` takes, or `forRootAsync()` resolves: each part
 * declares its own (`queueDefaults`, `recordRuns`, `store`, `reads`, `broker`,
 * `buffer`, `connectors`, `schedule`, `metrics`) and reads only those.
 */
export interface MetaqueueModuleOptions
  extends
    EngineModuleOptions,
    StoreModuleOptions,
    ReadModuleOptions,
    BrokerModuleOptions,
    BufferModuleOptions,
    ConnectorModuleOptions,
    ScheduleModuleOptions,
    MetricsModuleOptions {}

/** A provider that `forRootAsync({ useClass })` or `{ useExisting }` asks for the options. */
export interface MetaqueueOptionsFactory {
  createMetaqueueOptions(): MetaqueueModuleOptions | Promise<MetaqueueModuleOptions>;
}
