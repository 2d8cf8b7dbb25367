import type { ModuleRef } from '@nestjs/core';
import { resolveConnectors } from '../../../src/lib/connectors/resolve-connectors.js';
import { MetaqueueConfigError, type MetadataConnector } from '../../../src/lib/index.js';

class FileConnector implements MetadataConnector {
  opened = 0;
  async open() {
    this.opened++;
  }
  async write() {}
}

/** A ModuleRef that knows some providers, and builds the rest as Nest would. */
function moduleRef(known: object[] = []): ModuleRef {
  return {
    get: (type: Function) => {
      const found = known.find((k) => k.constructor === type);
      if (!found) throw new Error('not a provider');
      return found;
    },
    create: async (type: new () => object) => new type(),
  } as unknown as ModuleRef;
}

describe('resolveConnectors', () => {
  it('takes an instance as it is, a class from DI or new, a factory by calling it, and opens each', async () => {
    const instance = new FileConnector();
    const provided = new FileConnector();
    const resolved = await resolveConnectors(
      [instance, FileConnector, { useFactory: () => ({ name: 'made', write: async () => {} }) }],
      moduleRef([provided]),
    );
    expect(resolved.map((r) => r.connector)).toEqual([instance, provided, expect.anything()]);
    expect(instance.opened).toBe(1);
    expect(provided.opened).toBe(1);
    expect(resolved[2].name).toBe('made');
  });

  it('builds a class that is no provider with its dependencies', async () => {
    const [{ connector }] = await resolveConnectors([FileConnector], moduleRef());
    expect(connector).toBeInstanceOf(FileConnector);
  });

  it('names each by its name or class, numbering repeats', async () => {
    const resolved = await resolveConnectors(
      [new FileConnector(), new FileConnector(), { name: 'x', write: async () => {} }],
      moduleRef(),
    );
    expect(resolved.map((r) => r.name)).toEqual(['FileConnector', 'FileConnector#2', 'x']);
  });

  it.each([
    [{ write: 'no' }, 'object'],
    [42, 'number'],
    [null, 'null'],
  ])('refuses %p with a clear error', async (registration, described) => {
    await expect(resolveConnectors([registration as never], moduleRef())).rejects.toThrow(
      new MetaqueueConfigError(
        `Invalid connector ${described}: give a class, an object with write(records), or { useFactory }.`,
      ),
    );
  });

  it('lets an open() that fails stop the startup', async () => {
    const broken = {
      write: async () => {},
      open: async () => Promise.reject(new Error('no disk')),
    };
    await expect(resolveConnectors([broken], moduleRef())).rejects.toThrow('no disk');
  });
});
