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

    const self = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'consumer-app',
        private: true,
        type: 'module',
        dependencies: { metaqueue: `file:./${tarball}`, ...self.peerDependencies },
      }),
    );
    copyFileSync(join(root, 'test/fixtures/consumer-app/main.js'), join(dir, 'main.js'));
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);

    const output = run(process.execPath, ['main.js'], dir).trim().split('\n').at(-1)!;
    expect(JSON.parse(output)).toEqual({
      result: { task: 'CountTask', status: 'fulfilled', value: 25 },
      stored: 25,
    });
    expect(readdirSync(dir)).toContain('log.txt');
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toMatch(
      /^# TYPE consumer_count gauge\n[\s\S]*# EOF\n$/,
    );

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
      /Deque|EngineRegistryProvider|ConnectorChannel|RetryLoop|renderSample/,
    );
  }, 240_000);
});
