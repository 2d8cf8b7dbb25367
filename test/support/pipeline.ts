import type { ModuleRef } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiskBufferOptions } from '../../src/lib/buffer/buffer-options.interface.js';
import { resolveDiskBuffer } from '../../src/lib/buffer/disk/disk-buffer-options.js';
import { DiskRecordSource } from '../../src/lib/buffer/disk/disk-record-source.js';
import { BrokerService } from '../../src/lib/broker/broker.service.js';
import { MemoryRecordSource } from '../../src/lib/buffer/memory/memory-record-source.js';
import type { RecordSource } from '../../src/lib/buffer/record-source.interface.js';
import { ConnectorRegistry } from '../../src/lib/connectors/connector.registry.js';
import {
  EngineRegistry,
  type BrokerOptions,
  type MetadataConnector,
  type MetadataEngine,
  type MetadataStore,
  type TopicDefinition,
} from '../../src/lib/index.js';
import type { MemorySink } from './memory-sink.js';

export function removeTemporaryBuffers(): void {
  for (const dir of temporaryBuffers.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** How a contract or unit test makes a source over an application's engines. */
export type SourceFactory = (engines: EngineRegistry) => RecordSource;

export const memorySource: SourceFactory = (engines) => new MemoryRecordSource(engines);

const temporaryBuffers: string[] = [];

/**
 * A disk buffer in `path`, or in a directory of its own under the system's
 * temp directory, which `removeTemporaryBuffers()` deletes.
 */
export function diskSource(
  engines: EngineRegistry,
  path: string,
  options: Partial<Omit<DiskBufferOptions, 'type' | 'path'>> = {},
): DiskRecordSource {
  const dir = path || mkdtempSync(join(tmpdir(), 'metaqueue-disk-'));
  if (!path) temporaryBuffers.push(dir);
  return new DiskRecordSource(engines, resolveDiskBuffer({ type: 'disk', path: dir, ...options }));
}

export interface PipelineOptions {
  topics: TopicDefinition[];
  /** The store: a sink in memory, or none (`store: false`). */
  store?: MemorySink;
  /** Connectors; a `MemorySink` will do. */
  connectors?: (MetadataConnector | MemorySink)[];
  broker?: BrokerOptions;
  source?: SourceFactory;
}

/**
 * The broker and its parts, wired by hand as `MetaqueueModule` wires them,
 * with sinks in memory: for tests of the pipeline that need no Nest app.
 */
export async function startPipeline(options: PipelineOptions) {
  const engines = new EngineRegistry(options.topics);
  const source = (options.source ?? memorySource)(engines);
  const moduleOptions = {
    connectors: (options.connectors ?? []) as MetadataConnector[],
    broker: options.broker,
  };
  const connectors = new ConnectorRegistry(moduleOptions, {} as ModuleRef, source);
  await connectors.onModuleInit();
  const store = (options.store ?? null) as unknown as MetadataStore | null;
  const broker = new BrokerService(source, store, connectors, moduleOptions);
  await broker.onApplicationBootstrap();
  return {
    engines,
    source,
    broker,
    engine: <T = number>(topic: string): MetadataEngine<T> => engines.get<T>(topic),
    /** Shuts down as Nest does: the broker's last flush, then the connectors close. */
    close: async () => {
      await broker.beforeApplicationShutdown();
      await connectors.onApplicationShutdown();
    },
  };
}

/** The ids of the records a set of publishes resolved with (drop-newest resolves to none). */
export function idsOf(settled: PromiseSettledResult<{ id: string } | undefined>[]): string[] {
  return settled.flatMap((s) => (s.status === 'fulfilled' && s.value ? [s.value.id] : []));
}
