import type { Command } from 'commander';
import { surveyCommand } from '../buffer/survey-directory.js';
import { cliMessages } from '../cli.messages.js';
import { CliError, exitCodes } from '../exit-codes.js';
import { damageLines, lockLine } from '../output/survey-report.js';

/** `metaqueue buffer verify <dir>`: exits 1 when a disk buffer is damaged, naming each place. */
export function bufferVerifyCommand(): Command {
  return surveyCommand(
    'verify',
    'Check a disk buffer for damage (corrupt records, unreadable segments, a ledger it cannot read or past the end of the log), read only; exit 1 if there is any.',
    (survey, json) => {
      process.stdout.write(
        json
          ? `${JSON.stringify(survey, null, 2)}\n`
          : [lockLine(survey), ...damageLines(survey)].join('\n') + '\n',
      );
      if (survey.damage > 0) {
        throw new CliError(cliMessages.damageFound(survey.path, survey.damage), exitCodes.damage);
      }
      if (!json) process.stdout.write(`${cliMessages.noDamage(survey.path)}\n`);
    },
  );
}
