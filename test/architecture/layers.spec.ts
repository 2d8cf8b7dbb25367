import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The library's layers, bottom up: a file may import from its own layer or
 * one below, never from one above. Each layer is a folder of src/lib, or a
 * file at its top. docs/architecture.md draws the same order.
 */
const layers: string[][] = [
  ['record'],
  ['metaqueue.messages.ts', 'metaqueue.defaults.ts', 'metaqueue.tokens.ts'],
  ['errors'],
  ['utils'],
  ['queue'],
  ['buffer'],
  ['engine'],
  ['tasks', 'store'],
  ['connectors'],
  ['broker'],
  ['metrics', 'health', 'query'],
  ['board'],
  ['metaqueue-options.interface.ts'],
  ['metaqueue.module-definition.ts'],
  ['metaqueue.module.ts'],
  ['index.ts'],
];

const lib = resolve('src/lib');
const layerOf = (file: string): number => {
  const top = relative(lib, file).split('/')[0];
  const layer = layers.findIndex((names) => names.includes(top));
  if (layer < 0)
    throw new Error(`src/lib/${top} is in no layer: add it to test/architecture/layers.spec.ts`);
  return layer;
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mjs)$/.test(name) ? [path] : [];
  });
}

/** Every relative import under `root` (the library by default), as [importer, imported]. */
function imports(root = lib): [string, string][] {
  return sources(root).flatMap((file) =>
    [
      // Imports and re-exports, for their side effects alone too, and import('…'): the CLI
      // loads the library lazily.
      ...readFileSync(file, 'utf8').matchAll(
        /(?:(?:import|export)[^'"]*?from\s+|import\s*\(?\s*)'(\.[^']+)'/g,
      ),
    ].map(([, spec]): [string, string] => [
      file,
      resolve(dirname(file), spec).replace(/\.js$/, '.ts'),
    ]),
  );
}

describe('the layers of src/lib', () => {
  it('has no import from a layer above', () => {
    const upward = imports()
      .filter(([from, to]) => layerOf(to) > layerOf(from))
      .map(([from, to]) => `${relative(lib, from)} -> ${relative(lib, to)}`);
    expect(upward).toEqual([]);
  });

  it('has no cycle between the folders of a layer', () => {
    // Folders sharing a layer may not import each other both ways.
    const pairs = new Set(
      imports()
        .map(([from, to]) => [relative(lib, from).split('/')[0], relative(lib, to).split('/')[0]])
        .filter(([a, b]) => a !== b && layerOf(join(lib, a)) === layerOf(join(lib, b)))
        .map(([a, b]) => `${a} -> ${b}`),
    );
    const both = [...pairs].filter((p) => pairs.has(p.split(' -> ').reverse().join(' -> ')));
    expect(both).toEqual([]);
  });
});

/**
 * The parts of src/, each with the parts it may import: the library stands
 * alone; the CLI and the example app are built on it, and apart from each
 * other (the example is what a user writes, the CLI what the package ships).
 */
const parts: Record<string, string[]> = {
  lib: [],
  cli: ['lib'],
  example: ['lib'],
};

const src = resolve('src');
const partOf = (file: string): string => {
  const top = relative(src, file).split('/')[0];
  if (!(top in parts))
    throw new Error(`src/${top} is no part: add it to test/architecture/layers.spec.ts`);
  return top;
};

describe('the parts of src', () => {
  it('imports across parts only as allowed: the CLI and the example use the library, never each other', () => {
    const crossing = imports(src)
      .filter(
        ([from, to]) => partOf(from) !== partOf(to) && !parts[partOf(from)].includes(partOf(to)),
      )
      .map(([from, to]) => `${relative(src, from)} -> ${relative(src, to)}`);
    expect(crossing).toEqual([]);
  });
});
