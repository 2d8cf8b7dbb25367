import type { ModuleRef } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiskBufferOptions } from '../../src/lib/buffer/buffer-options.interface.js';
import { DiskBuffer } from '../../src/lib/buffer/disk/disk-buffer.js';
import { resolveDiskBuffer } from '../../src/lib/buffer/disk/disk-buffer-options.js';
import { MemoryBuffer } from '../../src/lib/buffer/memory/memory-buffer.js';
import type { RecordBuffer } from '../../src/lib/buffer/record-buffer.interface.js';
import { BrokerService } from '../../src/lib/broker/broker.service.js';
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

/** How a contract or unit test makes the buffer an application's engines and broker share. */
export type BufferFactory = () => RecordBuffer;

export const memoryBuffer: BufferFactory = () => new MemoryBuffer();

const temporaryBuffers: string[] = [];

/**
 * A disk buffer in `path`, or in a directory of its own under the system's
 * temp directory, which `removeTemporaryBuffers()` deletes.
 */
export function diskBuffer(
  path: string,
  options: Partial<Omit<DiskBufferOptions, 'type' | 'path'>> = {},
): DiskBuffer {
  const dir = path || mkdtempSync(join(tmpdir(), 'metaqueue-disk-'));
  if (!path) temporaryBuffers.push(dir);
  return new DiskBuffer(resolveDiskBuffer({ type: 'disk', path: dir, ...options }));
}

export interface PipelineOptions {
  topics: TopicDefinition[];
  /** The store: a sink in memory, or none (`store: false`). */
  store?: MemorySink;
  /** Connectors; a `MemorySink` will do. */
  connectors?: (MetadataConnector | MemorySink)[];
  broker?: BrokerOptions;
  buffer?: BufferFactory;
}

/**
 * The broker and its parts, wired by hand as `MetaqueueModule` wires them,
 * with sinks in memory: for tests of the pipeline that need no Nest app.
 */
export async function startPipeline(options: PipelineOptions) {
  const buffer = (options.buffer ?? memoryBuffer)();
  const engines = new EngineRegistry(options.topics, {}, buffer);
  const source = buffer.source;
  const moduleOptions = {
    connectors: (options.connectors ?? []) as MetadataConnector[],
    broker: options.broker,
  };
  const connectors = new ConnectorRegistry(moduleOptions, {} as ModuleRef, source);
  await connectors.onModuleInit();
  const store = (options.store ?? null) as unknown as MetadataStore | null;
  const broker = new BrokerService(buffer, store, connectors, moduleOptions);
  await broker.onApplicationBootstrap();
  return {
    engines,
    source,
    broker,
    engine: <T = number>(topic: string): MetadataEngine<T> => engines.get<T>(topic),
    /** Shuts down as Nest does: the broker's last flush, the connectors close, the buffer is released. */
    close: () => broker.beforeApplicationShutdown(),
  };
}

/** The ids of the records a set of publishes resolved with (drop-newest resolves to none). */
export function idsOf(settled: PromiseSettledResult<{ id: string } | undefined>[]): string[] {
  return settled.flatMap((s) => (s.status === 'fulfilled' && s.value ? [s.value.id] : []));
}
