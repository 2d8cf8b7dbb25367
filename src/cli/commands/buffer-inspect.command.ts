import { Command } from 'commander';
import { surveyDirectory } from '../buffer/survey-directory.js';
import { inspectReport } from '../output/survey-report.js';

/** `metaqueue buffer inspect <dir>`: what a disk buffer holds, read without changing anything. */
export function bufferInspectCommand(): Command {
  return new Command('inspect')
    .description(
      "Show a disk buffer's segments with their sizes and records, each sink's position and pending records, and any damage: read only, without taking the lock.",
    )
    .argument('<dir>', "the buffer's directory (buffer.path)")
    .option('--json', 'print the survey as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const survey = await surveyDirectory(dir);
      process.stdout.write(
        `${options.json ? JSON.stringify(survey, null, 2) : inspectReport(survey)}\n`,
      );
    });
}
