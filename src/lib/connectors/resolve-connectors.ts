import type { ModuleRef } from '@nestjs/core';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';
import { describeType } from '../utils/describe-type.util.js';
import type { RecordSource } from '../buffer/record-source.interface.js';
import type {
  ConnectorRegistration,
  MetadataConnector,
  ResolvedConnector,
} from './metadata-connector.interface.js';

/**
 * Turns registrations into opened connectors: a class through Nest DI (the
 * registered provider if there is one, else a new instance with its
 * dependencies injected), an instance as it is, a factory by calling it.
 * Each opens with what the source offers the sink of its name.
 */
export async function resolveConnectors(
  registrations: ConnectorRegistration[],
  moduleRef: ModuleRef,
  source?: RecordSource,
): Promise<ResolvedConnector[]> {
  const resolved: ResolvedConnector[] = [];
  const names = new Map<string, number>();
  for (const registration of registrations) {
    const connector = await instantiate(registration, moduleRef);
    if (typeof connector?.write !== 'function') {
      throw new MetaqueueConfigError(errorMessages.invalidConnector(describeType(registration)));
    }
    const base = connector.name ?? connector.constructor.name;
    const seen = names.get(base) ?? 0;
    names.set(base, seen + 1);
    const name = seen === 0 ? base : `${base}#${seen + 1}`;
    await connector.open?.({
      replayGuard: source && ((copy: string) => source.replayGuard(name, copy)),
    });
    resolved.push({ name, connector });
  }
  return resolved;
}

async function instantiate(
  registration: ConnectorRegistration,
  moduleRef: ModuleRef,
): Promise<MetadataConnector> {
  if (typeof registration === 'function') {
    try {
      return moduleRef.get(registration, { strict: false });
    } catch {
      return moduleRef.create(registration);
    }
  }
  if (typeof registration === 'object' && registration !== null && 'useFactory' in registration) {
    return registration.useFactory(moduleRef);
  }
  return registration;
}
