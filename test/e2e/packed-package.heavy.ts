import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hangBound } from '../support/hang-bound.js';

// npm pack, then npm install into a consumer app: minutes, longer than the default bound.
jest.setTimeout(hangBound(240_000));

const root = new URL('../..', import.meta.url).pathname;
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The library as users get it: `npm pack`, installed into an app outside the source tree. */
describe('the packed package', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'metaqueue-consumer-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs into a consumer app, which runs it as a user would', () => {
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', dir], root)
      .trim()
      .split('\n')
      .at(-1)!;
    const files = run('tar', ['-tzf', join(dir, tarball)], dir).split('\n');
    expect(files).toContain('package/dist/lib/index.js');
    expect(files).toContain('package/dist/lib/index.d.ts');
    expect(files.some((f) => f.includes('/example/') || f.includes('/test/'))).toBe(false);
    // The board's page and assets, which the TypeScript build alone would leave out.
    for (const asset of ['index.html', 'board.js', 'board.css']) {
      expect(files).toContain(`package/dist/lib/board/assets/${asset}`);
    }
    // The alerting rules of the scheduled tasks.
    expect(files).toContain('package/dist/lib/tasks/alerts/metaqueue-tasks.rules.yml');
    expect(files).toContain('package/LICENSE');
    // The CLI: its launcher and what it runs.
    expect(files).toContain('package/bin/metaqueue.js');
    expect(files).toContain('package/dist/cli/main.js');
    // The maps point at src/, which is not shipped: each carries its sources inline.
    run('tar', ['-xzf', join(dir, tarball), '-C', dir], dir);
    const maps = files.filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(dir, map), 'utf8')) as {
        sources: string[];
        sourcesContent?: string[];
      };
      expect([map, sourcesContent?.length]).toEqual([map, sources.length]);
    }

    const self = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'consumer-app',
        private: true,
        type: 'module',
        dependencies: {
          metaqueue: `file:./${tarball}`,
          ...self.peerDependencies,
          // An HTTP server for the board.
          '@nestjs/platform-express': self.devDependencies['@nestjs/platform-express'],
        },
      }),
    );
    for (const file of [
      'main.js',
      'main.cjs',
      'board.js',
      'typed.ts',
      'typed-cjs.cts',
      'type-errors.ts',
    ]) {
      copyFileSync(join(root, 'test/fixtures/consumer-app', file), join(dir, file));
    }
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);

    const output = run(process.execPath, ['main.js'], dir).trim().split('\n').at(-1)!;
    expect(JSON.parse(output)).toEqual({
      result: { task: 'CountTask', status: 'fulfilled', value: 25 },
      stored: 25,
    });
    expect(readdirSync(dir)).toContain('log.txt');
    const board = run(process.execPath, ['board.js'], dir).trim().split('\n').at(-1)!;
    expect(JSON.parse(board)).toEqual({
      '/': [200, true],
      '/assets/board.js': [200, true],
      '/assets/board.css': [200, true],
      '/assets/uPlot.iife.min.js': [200, true],
    });
    // A CommonJS app require()s the ESM-only package.
    const cjs = run(process.execPath, ['main.cjs'], dir).trim().split('\n').at(-1)!;
    expect(JSON.parse(cjs)).toEqual({
      result: { task: 'CountTask', status: 'fulfilled', value: 7 },
      stored: 7,
    });
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toMatch(
      /^# TYPE consumer_count gauge\n[\s\S]*# EOF\n$/,
    );

    // `npx metaqueue` in the app: the records both runs left in its embedded store.
    const listed = execFileSync('npx', ['metaqueue', 'records', '--topic', 'counts', '--json'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: '' },
    });
    const { items } = JSON.parse(listed) as { items: { name: string }[] };
    // Newest first: main.cjs ran last.
    expect(items.map((item) => item.name)).toEqual([
      ...Array<string>(7).fill('cjs_count'),
      ...Array<string>(25).fill('consumer_count'),
    ]);

    // Only the public entry is importable: internals stay inside the package.
    const probe = `import('metaqueue/dist/lib/queue/deque.js').then(() => console.log('open'), (e) => console.log(e.code))`;
    expect(run(process.execPath, ['--input-type=module', '-e', probe], dir).trim()).toBe(
      'ERR_PACKAGE_PATH_NOT_EXPORTED',
    );
    const exported = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "console.log(Object.keys(await import('metaqueue')).sort().join(','))",
      ],
      dir,
    ).trim();
    expect(exported.split(',')).toEqual(
      expect.arrayContaining(['MetaqueueModule', 'MetadataEngine', 'TaskRunner', 'BrokerService']),
    );
    expect(exported).not.toMatch(
      /Deque|EngineRegistryProvider|SinkChannel|RetryLoop|SampleRenderer/,
    );
  });

  // The same install, now with the TypeScript a user writes, checked against the shipped .d.ts.
  const tsc = (project: string) => {
    try {
      return { status: 0, output: run(process.execPath, [typescript, '-p', project], dir) };
    } catch (error) {
      const { status, stdout } = error as { status: number; stdout: string };
      return { status, output: stdout };
    }
  };
  const typescript = join(root, 'node_modules/typescript/bin/tsc');

  it('compiles and runs a TypeScript consumer against the shipped declarations', () => {
    writeTsconfig(dir, 'tsconfig.json', ['typed.ts'], { outDir: 'out' });
    const { status, output } = tsc('tsconfig.json');
    expect(output).toBe('');
    expect(status).toBe(0);
    const result = run(process.execPath, ['out/typed.js'], dir).trim().split('\n').at(-1)!;
    expect(JSON.parse(result)).toEqual({ value: 3, sinks: ['store', expect.any(String)] });
  });

  it('compiles a CommonJS TypeScript consumer to require() calls, which run', () => {
    writeTsconfig(dir, 'tsconfig.cjs.json', ['typed-cjs.cts'], { outDir: 'out-cjs' });
    const { status, output } = tsc('tsconfig.cjs.json');
    expect(output).toBe('');
    expect(status).toBe(0);
    expect(readFileSync(join(dir, 'out-cjs/typed-cjs.cjs'), 'utf8')).toContain(
      'require("metaqueue")',
    );
    const result = run(process.execPath, ['out-cjs/typed-cjs.cjs'], dir).trim().split('\n').at(-1)!;
    expect(JSON.parse(result)).toEqual({ task: 'CountTask', status: 'fulfilled', value: 1 });
  });

  it('refuses wrong data types and wrong TaskRunner arguments, each for its stated reason', () => {
    writeTsconfig(dir, 'tsconfig.errors.json', ['type-errors.ts'], { noEmit: true });
    const source = readFileSync(join(dir, 'type-errors.ts'), 'utf8').split('\n');
    const expected = source.flatMap((line, i) => {
      const code = /\/\/ expect-error (TS\d+)$/.exec(line)?.[1];
      return code ? [`${i + 1} ${code}`] : [];
    });
    const { status, output } = tsc('tsconfig.errors.json');
    const reported = [...output.matchAll(/^type-errors\.ts\((\d+),\d+\): error (TS\d+)/gm)].map(
      ([, line, code]) => `${line} ${code}`,
    );
    expect(status).not.toBe(0);
    expect(expected.length).toBeGreaterThanOrEqual(5);
    expect(reported).toEqual(expected);
  });
});

/** A consumer's tsconfig: strict, decorators as Nest uses them, Node's own ESM resolution. */
function writeTsconfig(
  dir: string,
  name: string,
  files: string[],
  output: { outDir?: string; noEmit?: boolean },
): void {
  const compilerOptions = {
    target: 'es2023',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    typeRoots: [join(root, 'node_modules/@types')],
    types: ['node'],
    ...output,
  };
  writeFileSync(join(dir, name), JSON.stringify({ compilerOptions, files }));
}
