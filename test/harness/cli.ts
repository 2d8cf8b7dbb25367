import { ChildApp } from './child-app.js';

/** What a run of the CLI printed, and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `metaqueue <args>` as a process of its own, from the sources (the
 * compiled bin is the same file, built: test/e2e/example-main.heavy.ts and the
 * packed-package test run that one). No DATABASE_URL unless `env` gives one.
 */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = ChildApp.start('src/cli/main.ts', { args, env: { DATABASE_URL: '', ...env } });
  const { code } = await child.exit();
  return { code, stdout: child.stdout, stderr: child.stderr };
}
