import type { Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { MetadataRecord } from '../record/metadata.interface.js';
import type { ReplayGuard } from '../buffer/replay-guard.interface.js';

/**
 * A repository that receives every stored record, besides the database: the
 * seed's connectors. The broker hands it batches in order, retries a batch
 * that rejects, and never lets it hold back the database or other connectors.
 */
export interface MetadataConnector {
  /** Names the connector in logs and counters. Default: its class name. */
  readonly name?: string;
  /** Checks the connector can work; called at startup, where an error stops the application. */
  open?(context?: ConnectorContext): Promise<void>;
  /** Writes one batch; rejects to have the same batch retried. */
  write(records: readonly MetadataRecord[]): Promise<void>;
  /** Called once at shutdown, after the last write. */
  close?(): Promise<void>;
}

/** What the broker tells a connector as it opens. */
export interface ConnectorContext {
  /**
   * For a connector that keeps its own copy of records across a crash (at
   * `copy`, a path): the buffer's guard against writing a replayed record
   * twice (see `ReplayGuard`).
   */
  readonly replayGuard?: (copy: string) => ReplayGuard;
}

/** A connector in the module options: a class (built by Nest DI), an instance, or a factory. */
export type ConnectorRegistration =
  | Type<MetadataConnector>
  | MetadataConnector
  | { useFactory: (moduleRef: ModuleRef) => MetadataConnector | Promise<MetadataConnector> };

/** A connector opened at startup, under the unique name logs, counters and health use. */
export interface ResolvedConnector {
  name: string;
  connector: MetadataConnector;
}

/** The module options the connectors are made from. */
export interface ConnectorModuleOptions {
  /** Where else every stored record goes, e.g. `new OpenMetricsFileConnector({ path })`. */
  connectors?: ConnectorRegistration[];
}
