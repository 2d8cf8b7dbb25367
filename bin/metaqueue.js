#!/usr/bin/env node
// The `metaqueue` command: runs the CLI built into dist/ (src/cli/main.ts).
// A launcher of its own because npx runs a bin as the file is, and this one
// keeps its executable bit in git, where `nest build` makes dist/ anew
// without it. It cannot reach the CLI's messages (src/cli/cli.messages.ts)
// when dist/ is not there: its one message is here.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'metaqueue: the CLI is not built (no dist/cli/main.js): run `npm run build` once in this repository.\n',
  );
  process.exit(3);
}
await import(main.href);
