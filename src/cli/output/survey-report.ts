import type { LogSurvey } from '../../lib/buffer/disk/log-survey.js';
import { cliMessages } from '../cli.messages.js';
import { columns } from './columns.js';

/** Each damaged place, and each torn end, one line each: what `buffer verify` prints. */
export function damageLines(survey: LogSurvey): string[] {
  const lines: string[] = [];
  for (const segment of survey.segments) {
    if (segment.refused) lines.push(cliMessages.refusedSegment(segment.refused));
    for (const { offset, bytes } of segment.damage) {
      lines.push(cliMessages.corruptStretch(segment.path, offset, bytes));
    }
    if (segment.tornEnd) {
      const { offset, bytes } = segment.tornEnd;
      lines.push(cliMessages.tornEnd(segment.path, offset, bytes));
    }
  }
  for (const problem of survey.ledger.problems) lines.push(cliMessages.ledgerProblem(problem));
  for (const sink of survey.ledger.sinks) {
    if (sink.ahead) lines.push(cliMessages.sinkAhead(survey.ledger.path, sink.sink, sink.position));
  }
  return lines;
}

/** Who holds the directory's lock, in a sentence. */
export function lockLine(survey: LogSurvey): string {
  const { lock } = survey;
  if (!lock) return cliMessages.bufferFree();
  return lock.held
    ? cliMessages.bufferInUse(lock.path, lock.pid)
    : cliMessages.bufferStaleLock(lock.path, lock.pid);
}

/** The whole survey, as `buffer inspect` prints it. */
export function inspectReport(survey: LogSurvey): string {
  const records = survey.segments.reduce((sum, s) => sum + s.records, 0);
  const bytes = survey.segments.reduce((sum, s) => sum + s.bytes, 0);
  const lines = [
    `Disk buffer ${survey.path}`,
    lockLine(survey),
    cliMessages.bufferSummary(survey.segments.length, bytes, records),
    '',
    columns([
      ['SEGMENT', 'BYTES', 'RECORDS', 'CORRUPT'],
      ...survey.segments.map((s) => [
        String(s.segment),
        String(s.bytes),
        s.refused ? '-' : String(s.records),
        String(s.damage.length + (s.refused ? 1 : 0)),
      ]),
    ]),
    '',
  ];
  if (survey.ledger.sinks.length === 0 && survey.ledger.problems.length === 0) {
    lines.push(cliMessages.noLedger(records));
  } else {
    lines.push(
      columns([
        ['SINK', 'POSITION', 'PENDING'],
        ...survey.ledger.sinks.map((s) => [
          s.sink,
          `segment ${s.position.segment} byte ${s.position.offset}${s.ahead ? ' (past the end)' : ''}`,
          String(s.pending),
        ]),
      ]),
    );
  }
  const damage = damageLines(survey);
  if (damage.length > 0) lines.push('', ...damage);
  return lines.join('\n');
}
