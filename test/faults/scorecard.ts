import { writeSync } from 'node:fs';

/** What one fault scenario did to its records, counted from the real table and files. */
export interface Tally {
  published: number;
  accepted: number;
  dropped: number;
  /** Distinct ids in `metadata`. */
  stored: number;
  /** Rows in `metadata` beyond one per id (the primary key should keep this 0). */
  duplicateRows: number;
  deadLettered: number;
  /** Samples in the closed OpenMetrics files, and how many ids appear more than once there. */
  file: number;
  duplicateSamples: number;
  /** Stored ids that no publish returned: records the pipeline made up. */
  phantoms?: number;
  /** Extra conditions of the scenario, each with whether it held. */
  checks?: Record<string, boolean>;
  /** Accepted records a scenario may lose by design (SIGKILL): the documented bound. */
  allowedLoss?: number;
}

/**
 * Prints the scenario's line, exactly
 * `scenario: NAME published=N accepted=N stored=N file=N dropped=N duplicated=N lost=N verdict=ok|FAIL`,
 * and returns whether it passed.
 */
export function score(name: string, t: Tally): boolean {
  const lost = Math.max(0, t.accepted - t.stored - t.deadLettered);
  const duplicated = t.duplicateRows + t.duplicateSamples;
  const failedChecks = Object.entries(t.checks ?? {}).filter(([, held]) => !held);
  const ok =
    lost <= (t.allowedLoss ?? 0) &&
    duplicated === 0 &&
    (t.phantoms ?? 0) === 0 &&
    t.file === t.stored &&
    failedChecks.length === 0;
  const line =
    `scenario: ${name} published=${t.published} accepted=${t.accepted} stored=${t.stored} ` +
    `file=${t.file} dropped=${t.dropped} duplicated=${duplicated} lost=${lost} verdict=${ok ? 'ok' : 'FAIL'}`;
  writeSync(1, `${line}\n`);
  if (!ok && failedChecks.length > 0) {
    writeSync(1, `  failed checks: ${failedChecks.map(([check]) => check).join(', ')}\n`);
  }
  return ok;
}
