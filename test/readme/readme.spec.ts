import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';
import { builtPath, compile } from '../support/test-build.mjs';
import { pages, readPage, root } from './pages.js';

/**
 * The TypeScript examples of README.md and of every docs/*.md page, executed.
 * Each ```ts block is preceded by `<!-- readme-test: NAME -->`:
 * harnesses/NAME.ts is a program with a `// README` line where the block goes
 * (blocks with the same name, all on one page, fill its lines in order). Every
 * program is type-checked as one project, then run in a process of its own,
 * and must print `ok` after checking what the block did.
 */
const here = new URL('.', import.meta.url).pathname;
const generated = join(here, '.generated');
const run = promisify(execFile);

interface Example {
  page: string;
  harness: string;
  code: string;
}

/** Every ts block of every page, in page order: README.md, then docs/*.md. */
function examples(): Example[] {
  const found = pages().flatMap((page) =>
    [
      ...readPage(page).matchAll(/(?:<!-- readme-test: ([\w-]+) -->\n\n?)?```ts\n([\s\S]*?)```/g),
    ].map(([block, harness, code]) => {
      if (!harness) throw new Error(`A ts block in ${page} names no harness:\n${block}`);
      return { page, harness, code };
    }),
  );
  // A harness's slots are filled in order, which a block on another page would make unclear.
  for (const { harness } of found) {
    const on = new Set(found.filter((e) => e.harness === harness).map((e) => e.page));
    if (on.size > 1) throw new Error(`harness ${harness} has blocks on ${[...on].join(' and ')}`);
  }
  return found;
}

/** Each harness with its blocks in place, written to .generated/NAME.ts. */
function writePrograms(found: Example[]): string[] {
  rmSync(generated, { recursive: true, force: true });
  mkdirSync(generated);
  const names = [...new Set(found.map((e) => e.harness))];
  for (const name of names) {
    const blocks = found.filter((e) => e.harness === name).map((e) => e.code.trimEnd());
    const lines = readFileSync(join(here, 'harnesses', `${name}.ts`), 'utf8').split('\n');
    const slots = lines.filter((line) => line.trim() === '// README').length;
    if (slots !== blocks.length) {
      throw new Error(`harness ${name} has ${slots} slots for ${blocks.length} blocks`);
    }
    let next = 0;
    const program = lines.map((line) => (line.trim() === '// README' ? blocks[next++] : line));
    writeFileSync(join(generated, `${name}.ts`), program.join('\n'));
  }
  return names;
}

describe('the examples of README.md and docs/*.md', () => {
  const blocks = examples();
  const programs = writePrograms(blocks);
  let db: TestDatabase | undefined;
  let cwd: string;

  beforeAll(async () => {
    // Compiled beside the run's build of src/, which they import.
    await compile(programs.map((name) => relative(root, join(generated, `${name}.ts`))));
    db = serverUrl ? await createTestDatabase() : undefined;
    cwd = mkdtempSync(join(tmpdir(), 'metaqueue-readme-'));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('has a harness for every block, and every harness is used', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(9);
    // The README's own examples (its complete app) run too, not only the pages'.
    expect(blocks.filter((e) => e.page === 'README.md').length).toBeGreaterThan(0);
    const harnesses = readdirSync(join(here, 'harnesses')).map((f) => f.replace(/\.ts$/, ''));
    expect(programs.sort()).toEqual(harnesses.sort());
  });

  it('type-checks every example in its program', async () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    await expect(
      run(
        process.execPath,
        // Incremental, as npm run typecheck: only what changed is checked again.
        [
          tsc,
          '-p',
          join(here, 'tsconfig.examples.json'),
          '--incremental',
          '--tsBuildInfoFile',
          join(root, 'node_modules/.cache/metaqueue/examples.tsbuildinfo'),
        ],
        { cwd: root },
      ),
    ).resolves.toMatchObject({ stdout: '' });
  });

  it.each(programs)('runs the %s example', async (name) => {
    const { stdout } = await run(
      process.execPath,
      ['--enable-source-maps', builtPath(relative(root, join(generated, `${name}.ts`)))],
      // In a directory of their own: they write log.txt and the PGlite directory.
      { cwd, env: { ...process.env, DATABASE_URL: db?.store.url ?? '' } },
    );
    expect(stdout.trim().split('\n').at(-1)).toBe('ok');
  });
});
