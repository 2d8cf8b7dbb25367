import { Command } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { surveyLog, type LogSurvey } from '../../lib/buffer/disk/log-survey.js';
import { MetaqueueConfigError } from '../../lib/errors/metaqueue.errors.js';
import { cliMessages } from '../cli.messages.js';
import { CliError, exitCodes } from '../exit-codes.js';

/**
 * The survey of the disk buffer in `path`, read only (see `surveyLog`);
 * refuses a path that does not exist or holds no disk buffer.
 */
export async function surveyDirectory(path: string): Promise<LogSurvey> {
  const dir = resolve(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError(cliMessages.noSuchDirectory(dir), exitCodes.usage);
  }
  if (!readdirSync(dir).some((name) => name.endsWith('.seg') || name === 'ledger.json')) {
    throw new CliError(cliMessages.notABuffer(dir), exitCodes.usage);
  }
  try {
    return await surveyLog(dir);
  } catch (error) {
    // A segment that is not a file: the buffer itself refuses to open, and says why.
    if (error instanceof MetaqueueConfigError) throw new CliError(error.message, exitCodes.damage);
    throw error;
  }
}

/** A command on a disk buffer's directory: `<dir>`, `--json`, and what it makes of the survey. */
export function surveyCommand(
  name: string,
  description: string,
  report: (survey: LogSurvey, json: boolean) => void,
): Command {
  return new Command(name)
    .description(description)
    .argument('<dir>', "the buffer's directory (buffer.path)")
    .option('--json', 'print the survey as JSON')
    .action(async (dir: string, options: { json?: boolean }) =>
      report(await surveyDirectory(dir), options.json === true),
    );
}
