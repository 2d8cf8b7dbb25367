import type { RetentionPeriod } from '../store-options.interface.js';

const unitMs = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** The milliseconds of `'90d'`, `'12w'`, `'36h'`; `undefined` if it is not one. */
export function retentionMs(period: unknown): number | undefined {
  if (typeof period !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)([hdw])$/.exec(period);
  if (!match) return undefined;
  const ms = Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
  return ms > 0 && Number.isFinite(ms) ? ms : undefined;
}

/** Whether `period` is a retention period such as `'90d'`. */
export function isRetentionPeriod(period: unknown): period is RetentionPeriod {
  return retentionMs(period) !== undefined;
}
