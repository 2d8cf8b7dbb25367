import { Injectable, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { BrokerService } from '../broker/broker.service.js';
import { EngineRegistry } from '../engine/engine.registry.js';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { MetaqueueHealthIndicator } from '../health/metaqueue-health.indicator.js';
import { errorMessages, httpMessages } from '../metaqueue.messages.js';
import { MetadataQueryService } from '../query/metadata-query.service.js';
import { MetadataStore } from '../store/metadata-store.js';
import { MetadataReads } from '../store/reads/metadata-reads.js';
import { MetaTaskScheduler } from '../tasks/meta-task.scheduler.js';

/**
 * What the board reads, found in the application wherever MetaqueueModule is
 * imported, so that the board mounts beside it without a re-export.
 */
@Injectable()
export class BoardSources implements OnModuleInit {
  engines!: EngineRegistry;
  broker!: BrokerService;
  health!: MetaqueueHealthIndicator;
  query!: MetadataQueryService;
  store!: MetadataStore | null;
  reads!: MetadataReads | null;
  scheduler!: MetaTaskScheduler;

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    const find = <T>(type: abstract new (...args: never[]) => T): T => {
      try {
        return this.moduleRef.get(type, { strict: false });
      } catch {
        throw new MetaqueueConfigError(errorMessages.boardWithoutMetaqueue());
      }
    };
    this.engines = find(EngineRegistry);
    this.broker = find(BrokerService);
    this.health = find(MetaqueueHealthIndicator);
    this.query = find(MetadataQueryService);
    this.store = find(MetadataStore);
    this.reads = find(MetadataReads);
    this.scheduler = find(MetaTaskScheduler);
  }

  /** The store, or a 404 saying there is none (`store: false`): there are no records to show. */
  requireStore(): MetadataStore {
    if (!this.store) throw new NotFoundException(httpMessages.noStore());
    return this.store;
  }

  /** Where the board's queries run, or a 404 as `requireStore()`. */
  requireReads(): MetadataReads {
    if (!this.reads) throw new NotFoundException(httpMessages.noStore());
    return this.reads;
  }
}
