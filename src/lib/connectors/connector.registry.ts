import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ConnectorModuleOptions } from './metadata-connector.interface.js';
import { logMessages } from '../metaqueue.messages.js';
import { METAQUEUE_MODULE_OPTIONS, RECORD_SOURCE } from '../metaqueue.tokens.js';
import type { RecordSource } from '../buffer/record-source.interface.js';
import { describeError } from '../errors/describe-error.util.js';
import type { ResolvedConnector } from './metadata-connector.interface.js';
import { resolveConnectors } from './resolve-connectors.js';

/**
 * The application's connectors: resolved and opened once every provider is
 * built (the source among them, whose replay guard a connector's recovery
 * asks), and closed by the broker after its final flush, before it releases
 * the buffer.
 */
@Injectable()
export class ConnectorRegistry implements OnModuleInit {
  private readonly logger = new Logger(ConnectorRegistry.name);
  private connectors: ResolvedConnector[] = [];

  constructor(
    @Inject(METAQUEUE_MODULE_OPTIONS) private readonly options: ConnectorModuleOptions,
    private readonly moduleRef: ModuleRef,
    @Inject(RECORD_SOURCE) private readonly source?: RecordSource,
  ) {}

  async onModuleInit(): Promise<void> {
    this.connectors = await resolveConnectors(
      this.options.connectors ?? [],
      this.moduleRef,
      this.source,
    );
    // With the store's own line: where every record goes, said once at startup.
    for (const { name } of this.connectors) this.logger.log(logMessages.connectorOpened(name));
  }

  getAll(): readonly ResolvedConnector[] {
    return this.connectors;
  }

  /** Closes every connector, once; the broker calls it before it releases the buffer. */
  async closeAll(): Promise<void> {
    const connectors = this.connectors;
    this.connectors = [];
    // One connector failing to close must not keep the others open, nor crash the shutdown.
    await Promise.all(
      connectors.map(async ({ name, connector }) => {
        try {
          await connector.close?.();
        } catch (error) {
          this.logger.error(logMessages.connectorCloseFailed(name, describeError(error)));
        }
      }),
    );
  }
}
