import { Option, type Command } from 'commander';
import { defaults } from '../../lib/metaqueue.defaults.js';

/** The options that say where a command reads records (see `openRecordPages`). */
export function addSourceOptions(command: Command): Command {
  return command
    .option(
      '--url <url>',
      "read through a running app's GET /metadata at this address, e.g. http://localhost:3000",
    )
    .addOption(
      new Option('--database-url <url>', 'read this PostgreSQL database').env('DATABASE_URL'),
    )
    .option(
      '--pglite-dir <dir>',
      `read the embedded store in this directory, when no server is named (default: ${defaults.store.pgliteDataDir}, as the app's)`,
    );
}

/** The filters `records` and `export` share: those of GET /metadata. */
export function addFilterOptions(command: Command): Command {
  return command
    .option('--topic <topic>', 'records of this topic')
    .option('--name <name>', 'records of this name (the OpenMetrics family)')
    .option('--location <location>', 'records of this location')
    .option('--context <context>', 'records of this context')
    .option(
      '--data <json>',
      'records whose data contains this JSON, e.g. \'{"table":"customers"}\'',
    );
}

/** `--from` and `--to`, a time range as GET /metadata takes it; both `required` for an export. */
export function addRangeOptions(command: Command, required: boolean): Command {
  const from = new Option(
    '--from <instant>',
    'published at or after, ISO 8601: 2026-11-29 or 2026-11-29T09:14:22Z',
  );
  const to = new Option('--to <instant>', 'published before (exclusive), as --from');
  return command
    .addOption(from.makeOptionMandatory(required))
    .addOption(to.makeOptionMandatory(required));
}
