import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BrokerService } from './broker/broker.service.js';
import { recordBufferProviders } from './buffer/record-buffer.providers.js';
import { ConnectorRegistry } from './connectors/connector.registry.js';
import { MetaqueueHealthIndicator } from './health/metaqueue-health.indicator.js';
import { MetaqueueMetrics } from './metrics/metaqueue-metrics.service.js';
import { MetadataQueryService } from './query/metadata-query.service.js';
import { MetaqueueConfigError } from './errors/metaqueue.errors.js';
import { errorMessages } from './metaqueue.messages.js';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
} from './metaqueue.module-definition.js';
import { appDataSourceProviders } from './store/app-data-source/app-data-source.providers.js';
import { MetadataStore } from './store/metadata-store.js';
import { metadataStoreProvider } from './store/store.providers.js';
import { MetadataReads } from './store/reads/metadata-reads.js';
import { metadataReadsProvider } from './store/reads/metadata-reads.provider.js';
import { MetaTaskMetadataAccessor } from './tasks/meta-task-metadata.accessor.js';
import { MetaTaskExplorer } from './tasks/meta-task.explorer.js';
import { MetaTaskScheduler } from './tasks/meta-task.scheduler.js';
import { TaskRunner } from './tasks/task-runner.service.js';
import { TaskRunRecorder } from './tasks/task-run.recorder.js';
import { tickClaimsProvider } from './tasks/claims/tick-claims.provider.js';

/**
 * `MetaqueueModule.forRoot({ topics })` registers one `MetadataEngine` per
 * topic, discovers the `@MetaTask()` classes for `TaskRunner`, and opens the
 * store that `BrokerService` flushes the queues into.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    MetaTaskMetadataAccessor,
    MetaTaskExplorer,
    TaskRunner,
    TaskRunRecorder,
    MetaTaskScheduler,
    ...recordBufferProviders,
    metadataStoreProvider,
    tickClaimsProvider,
    metadataReadsProvider,
    ConnectorRegistry,
    BrokerService,
    MetaqueueMetrics,
    MetaqueueHealthIndicator,
    MetadataQueryService,
  ],
  exports: [
    TaskRunner,
    MetaTaskScheduler,
    BrokerService,
    MetadataStore,
    MetadataReads,
    MetaqueueMetrics,
    MetaqueueHealthIndicator,
    MetadataQueryService,
  ],
})
export class MetaqueueModule extends ConfigurableModuleClass {
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    const module = super.forRoot(options);
    return {
      ...module,
      providers: [...(module.providers ?? []), ...appDataSourceProviders(options)],
    };
  }

  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    if (!options.useFactory && !options.useClass && !options.useExisting) {
      throw new MetaqueueConfigError(errorMessages.missingAsyncFactory());
    }
    return super.forRootAsync(options);
  }
}
