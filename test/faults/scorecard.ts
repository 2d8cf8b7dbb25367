import { writeSync } from 'node:fs';

/**
 * What one fault scenario did to its records, from id sets: the ids
 * `publish()` resolved with, the ids the overflow policy dropped
 * (`engine.onDropped`), and the ids read back from the real table, the
 * dead-letter table and the closed OpenMetrics files.
 */
export interface Tally {
  published: number;
  /** Ids publish() resolved with and no policy dropped afterwards. */
  accepted: number;
  dropped: number;
  /** Distinct ids in `metadata`. */
  stored: number;
  deadLettered: number;
  /** Samples in the closed OpenMetrics files. */
  file: number;
  /** Rows beyond one per id in `metadata`, and samples beyond one per id in the files. */
  duplicated: number;
  /** Accepted ids in neither table. */
  lost: number;
  /** Ids in a table or a file that no publish resolved with, or that the policy dropped. */
  phantoms: number;
  /** Ids both stored and dead-lettered. */
  storedAndDeadLettered: number;
  /** Stored ids missing from the files, and file ids missing from `metadata`. */
  fileMissing: number;
  fileExtra: number;
  /** Conditions the tally itself checked, each with whether it held. */
  checks: Record<string, boolean>;
}

export interface ScenarioTerms {
  /** Conditions of the scenario, each with whether it held. */
  checks?: Record<string, boolean>;
  /** Accepted records a scenario may lose by design (SIGKILL): the documented bound. */
  allowedLoss?: number;
  /** Stored records the file may miss, when the scenario itself deletes some of it; else `allowedLoss`. */
  allowedFileMissing?: number;
}

/**
 * Prints the scenario's line, exactly
 * `scenario: NAME published=N accepted=N stored=N file=N dropped=N duplicated=N lost=N verdict=ok|FAIL`,
 * and returns whether it passed; a failed one says which conditions failed on the next line.
 */
export function score(name: string, t: Tally, terms: ScenarioTerms = {}): boolean {
  const allowed = terms.allowedLoss ?? 0;
  const conditions: Record<string, boolean> = {
    lostWithinBound: t.lost <= allowed,
    noDuplicates: t.duplicated === 0,
    noPhantoms: t.phantoms === 0,
    neverStoredAndDeadLettered: t.storedAndDeadLettered === 0,
    fileHasEveryStoredId: t.fileMissing <= (terms.allowedFileMissing ?? allowed),
    fileHasOnlyStoredIds: t.fileExtra === 0,
    ...t.checks,
    ...terms.checks,
  };
  return verdict(
    `scenario: ${name} published=${t.published} accepted=${t.accepted} stored=${t.stored} ` +
      `file=${t.file} dropped=${t.dropped} duplicated=${t.duplicated} lost=${t.lost}`,
    conditions,
  );
}

/**
 * What one scheduling scenario did to a task's ticks, counted from the
 * `metaqueue_task_runs` table and from the runs the replicas said they started.
 */
export interface TickTally {
  /** Rows in the table: ticks claimed. */
  ticks: number;
  /** Runs the replicas started (`started <run id>` lines). */
  runs: number;
  succeeded: number;
  lost: number;
  skipped: number;
  /** Ticks due (up to the scenario's end less the grace) with no row. */
  missed: number;
  /** Runs started more than once, and rows beyond one per tick. */
  duplicated: number;
  /** Conditions the tally itself checked, each with whether it held. */
  checks: Record<string, boolean>;
}

/**
 * Prints a scheduling scenario's line, exactly
 * `scenario: NAME ticks=N runs=N succeeded=N lost=N skipped=N missed=N duplicated=N verdict=ok|FAIL`.
 * `missed` must be 0 unless the scenario misses ticks on purpose (`misses`), and
 * then its own checks judge them.
 */
export function scoreTicks(
  name: string,
  t: TickTally,
  terms: { checks?: Record<string, boolean>; misses?: boolean } = {},
): boolean {
  return verdict(
    `scenario: ${name} ticks=${t.ticks} runs=${t.runs} succeeded=${t.succeeded} lost=${t.lost} ` +
      `skipped=${t.skipped} missed=${t.missed} duplicated=${t.duplicated}`,
    {
      noDuplicates: t.duplicated === 0,
      ...(terms.misses ? {} : { noneMissed: t.missed === 0 }),
      ...t.checks,
      ...terms.checks,
    },
  );
}

/** Prints `line` with its verdict; a failed one says which conditions failed on the next line. */
function verdict(line: string, conditions: Record<string, boolean>): boolean {
  const failed = Object.entries(conditions).filter(([, held]) => !held);
  const ok = failed.length === 0;
  writeSync(1, `${line} verdict=${ok ? 'ok' : 'FAIL'}\n`);
  if (!ok) writeSync(1, `  failed: ${failed.map(([condition]) => condition).join(', ')}\n`);
  return ok;
}
