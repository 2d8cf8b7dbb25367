// The sources compiled once per Jest run, for the tests' child processes (an
// app, the CLI, a README example): under @swc-node's loader every child
// compiled its sources again, about 2 s of CPU per process, a fifth of
// npm test on 2 cores. Jest's globalSetup (plain JavaScript, outside Jest's
// transform) compiles src/ and test/ with Jest's own SWC options into
// .test-build/run-<pid>-*/ inside the package, so that node_modules and
// package.json resolve as from the sources; the children run plain node.
import { transformFile } from '@swc/core';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** SWC for Jest and for the build: TypeScript with decorator metadata, ES modules. */
export const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2023',
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

const root = new URL('../..', import.meta.url).pathname;
const builds = join(root, '.test-build');
const variable = 'METAQUEUE_TEST_BUILD';
// Not programs: fixtures, the README's harness templates (readme.spec.ts builds its own), outputs.
const skipped = new Set([
  'test/fixtures',
  'test/readme/harnesses',
  'test/readme/.generated',
  'test/artifacts',
]);

/** This run's build directory; undefined outside Jest (the benchmarks use the loader). */
export function testBuild() {
  return process.env[variable];
}

/** The run's compiled path of a source file (a path from the package root). */
export function builtPath(file) {
  const build = testBuild();
  if (!build) throw new Error(`${variable} is unset: Jest's globalSetup compiles the sources`);
  return join(build, file.replace(/\.ts$/, '.js'));
}

/** Compiles `files` (.ts, paths from the package root) into the run's build. */
export async function compile(files) {
  await Promise.all(
    files.map(async (file) => {
      const { code } = await transformFile(join(root, file), swcOptions);
      const out = builtPath(file);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, code);
    }),
  );
}

function sources(dir, found = { ts: [], other: [] }) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skipped.has(path)) sources(path, found);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.ts.push(path);
    else found.other.push(path);
  }
  return found;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

export async function setup() {
  mkdirSync(builds, { recursive: true });
  // A run killed before its teardown left its build behind.
  for (const old of readdirSync(builds)) {
    const pid = Number(/^run-(\d+)-/.exec(old)?.[1]);
    if (pid && !alive(pid)) rmSync(join(builds, old), { recursive: true, force: true });
  }
  const build = mkdtempSync(join(builds, `run-${process.pid}-`));
  // mkdtemp makes it the owner's only; children run as another user too (file permission tests).
  chmodSync(build, 0o755);
  process.env[variable] = build;
  const { ts, other } = sources('src');
  const tests = sources('test');
  await compile([...ts, ...tests.ts]);
  // Assets beside the code (the board's files, the worker, the rules), and the
  // package.json that src/cli reads and that makes .js files ES modules.
  for (const file of [...other, ...tests.other, 'package.json']) {
    mkdirSync(dirname(join(build, file)), { recursive: true });
    copyFileSync(join(root, file), join(build, file));
  }
}

export function teardown() {
  const build = testBuild();
  if (build && relative(builds, build).startsWith('run-'))
    rmSync(build, { recursive: true, force: true });
}
