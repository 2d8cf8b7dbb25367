import type { LoggerService } from '@nestjs/common';
import { open } from 'node:fs/promises';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { readPidLock, type PidLockState } from '../../utils/pid-lock.js';
import { LogDirectory } from './log-directory.js';
import { logFormat } from './log-format.js';
import { LogLedger } from './log-ledger.js';
import { comparePositions, type LogPosition } from './log-position.js';
import { findTornEnd, readSegmentHeader } from './log-recovery.js';
import { LogSegments } from './log-segments.js';
import { SegmentScanner } from './segment-scanner.js';

/** A stretch of bytes in a segment. */
export interface ByteRange {
  offset: number;
  bytes: number;
}

/** One segment, as the survey found it. */
export interface SegmentSurvey {
  segment: number;
  path: string;
  bytes: number;
  /** Whole frames (their length, record id and CRC check out): the records it holds. */
  records: number;
  /** Stretches the reader skips as corrupt: each from a frame that is not whole to the next whole one. */
  damage: ByteRange[];
  /** The last segment's unfinished last write, which the next start cuts: its publish never resolved. */
  tornEnd?: ByteRange;
  /** Why the segment cannot be read at all: not a segment, or a format this version does not read. */
  refused?: string;
}

/** One sink of the ledger. */
export interface SinkSurvey {
  sink: string;
  /** Where the ledger has it: everything before is acknowledged. */
  position: LogPosition;
  /** Records from its position to the end of the log: what it is still owed. */
  pending: number;
  /** Its position is past the end of the log (damage: at the next start it reads on from the end). */
  ahead: boolean;
}

/** A disk buffer's directory as it is on disk; `surveyLog` makes one without changing anything. */
export interface LogSurvey {
  path: string;
  /** The lock file and the process it names; `undefined` when there is none. */
  lock?: PidLockState & { path: string };
  segments: SegmentSurvey[];
  ledger: {
    path: string;
    /** What reading it found wrong: it cannot be read, or it is in a newer format. */
    problems: string[];
    /** Each sink it holds, by name. */
    sinks: SinkSurvey[];
  };
  /** Damaged places: corrupt stretches, refused segments, an unreadable ledger, positions past the end. */
  damage: number;
}

/**
 * Surveys the disk buffer in `path` with the parts the buffer opens it with
 * (the segment headers, the scanner, the ledger, the lock), reading only:
 * no lock is taken, no torn end cut, no ledger written. A live process may
 * be writing the log meanwhile: the survey is then of the moment each file
 * was read. Throws a config error when a segment's name is not a file's.
 */
export async function surveyLog(path: string): Promise<LogSurvey> {
  const dir = new LogDirectory(path);
  const lock = await readPidLock(dir.lockPath);
  const ledger = surveyLedger(path);
  const positions = ledger.sinks.map((sink) => sink.position);
  const pending = positions.map(() => 0);
  const numbers = await dir.segments();
  const segments: SegmentSurvey[] = [];
  for (const segment of numbers) {
    const last = segment === numbers.at(-1);
    const survey = await surveySegment(dir, segment, last, (at) => {
      positions.forEach((position, i) => {
        if (comparePositions(at, position) >= 0) pending[i]++;
      });
    });
    segments.push(survey);
  }
  const end = endOf(segments);
  const sinks = ledger.sinks.map((sink, i) => ({
    ...sink,
    pending: pending[i],
    ahead: comparePositions(sink.position, end) > 0,
  }));
  const damage =
    segments.reduce((sum, s) => sum + s.damage.length + (s.refused ? 1 : 0), 0) +
    ledger.problems.length +
    sinks.filter((sink) => sink.ahead).length;
  return {
    path,
    lock: lock && { ...lock, path: dir.lockPath },
    segments,
    ledger: { ...ledger, sinks },
    damage,
  };
}

/** The ledger's positions as the file holds them, and what is wrong with it, if anything. */
function surveyLedger(path: string): LogSurvey['ledger'] {
  const problems: string[] = [];
  const note = (message: unknown) => void problems.push(String(message));
  const logger: LoggerService = { log: note, warn: note, error: note };
  const ledger = new LogLedger(path, logger);
  let positions = new Map<string, LogPosition>();
  try {
    positions = ledger.storedPositions();
  } catch (error) {
    if (!(error instanceof MetaqueueConfigError)) throw error;
    problems.push(error.message);
  }
  const sinks = [...positions].map(([sink, position]) => ({
    sink,
    position,
    pending: 0,
    ahead: false,
  }));
  return { path: ledger.path, problems, sinks };
}

/** Walks one segment's frames; `onRecord` hears the position of each whole one. */
async function surveySegment(
  dir: LogDirectory,
  segment: number,
  last: boolean,
  onRecord: (at: LogPosition) => void,
): Promise<SegmentSurvey> {
  const path = dir.segmentPath(segment);
  const segments = new LogSegments();
  const survey: SegmentSurvey = { segment, path, bytes: 0, records: 0, damage: [] };
  try {
    await readSegmentHeader(dir, segments, segment);
  } catch (error) {
    if (!(error instanceof MetaqueueConfigError)) throw error;
    survey.refused = error.message;
  }
  survey.bytes = segments.sizeOf(segment) ?? 0;
  if (survey.refused) return survey;
  const version = segments.formatOf(segment);
  const torn = last ? await findTornEnd(path, survey.bytes, version) : undefined;
  if (survey.bytes < logFormat.headerBytes) {
    if (torn !== undefined) survey.tornEnd = { offset: 0, bytes: survey.bytes };
    return survey;
  }
  const file = await open(path, 'r');
  try {
    const scanner = new SegmentScanner(file, survey.bytes, version);
    for await (const span of scanner.spans(logFormat.headerBytes)) {
      if (span.kind === 'frame') {
        survey.records++;
        onRecord({ segment, offset: span.offset });
      } else if (span.offset === torn) {
        survey.tornEnd = { offset: span.offset, bytes: span.bytes };
      } else {
        survey.damage.push({ offset: span.offset, bytes: span.bytes });
      }
    }
  } finally {
    await file.close();
  }
  return survey;
}

/** Where the log ends: the end of its last segment. */
function endOf(segments: SegmentSurvey[]): LogPosition {
  const last = segments.at(-1);
  return last
    ? { segment: last.segment, offset: last.bytes }
    : { segment: 1, offset: logFormat.headerBytes };
}
