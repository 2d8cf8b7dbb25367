// Jest's globalSetup: one empty PGlite directory, and the sources compiled for child processes.
import { setup as pgliteTemplate } from './pglite-template.mjs';
import { setup as testBuild } from './test-build.mjs';

export default async function setup() {
  await Promise.all([pgliteTemplate(), testBuild()]);
}
