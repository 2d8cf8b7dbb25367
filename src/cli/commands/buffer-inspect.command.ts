import type { Command } from 'commander';
import { surveyCommand } from '../buffer/survey-directory.js';
import { inspectReport } from '../output/survey-report.js';

/** `metaqueue buffer inspect <dir>`: what a disk buffer holds, read without changing anything. */
export function bufferInspectCommand(): Command {
  return surveyCommand(
    'inspect',
    "Show a disk buffer's segments with their sizes and records, each sink's position and pending records, and any damage: read only, without taking the lock.",
    (survey, json) =>
      process.stdout.write(`${json ? JSON.stringify(survey, null, 2) : inspectReport(survey)}\n`),
  );
}
