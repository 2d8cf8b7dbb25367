import type { PartitionPeriod } from '../store-options.interface.js';

/** One partition of table `metadata`: records with `start <= published_at < end`. */
export interface PartitionSpan {
  name: string;
  start: Date;
  end: Date;
}

const dayMs = 86_400_000;

/** The letter a partition's name carries for its period: `metadata_d20261206`. */
const letters: Record<PartitionPeriod, string> = { day: 'd', week: 'w', month: 'm' };
const periods: Record<string, PartitionPeriod> = { d: 'day', w: 'week', m: 'month' };

/** The UTC start of the period holding `time`: midnight, Monday's midnight, the 1st. */
export function periodStart(period: PartitionPeriod, time: Date): Date {
  const day = Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate());
  if (period === 'day') return new Date(day);
  if (period === 'week') return new Date(day - ((new Date(day).getUTCDay() + 6) % 7) * dayMs);
  return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), 1));
}

/** The start of the period `count` periods after the one starting at `start`. */
export function periodAfter(period: PartitionPeriod, start: Date, count = 1): Date {
  if (period === 'day') return new Date(start.getTime() + count * dayMs);
  if (period === 'week') return new Date(start.getTime() + count * 7 * dayMs);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + count, 1));
}

/** The partition of `period` holding `time`. */
export function partitionOf(period: PartitionPeriod, time: Date): PartitionSpan {
  const start = periodStart(period, time);
  const ymd = start.toISOString().slice(0, 10).replaceAll('-', '');
  return { name: `metadata_${letters[period]}${ymd}`, start, end: periodAfter(period, start) };
}

/**
 * The span a partition's name says, or `undefined` for a table metaqueue did
 * not name (the default partition, one an operator attached): those are never
 * dropped. The migration's partitions and the maintenance's share this naming.
 */
export function parsePartitionName(name: string): PartitionSpan | undefined {
  const match = /^metadata_([dwm])(\d{4})(\d{2})(\d{2})$/.exec(name);
  if (!match) return undefined;
  const [, letter, year, month, day] = match;
  const start = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const period = periods[letter];
  if (partitionOf(period, start).name !== name) return undefined;
  return { name, start, end: periodAfter(period, start) };
}

/** Whether two spans share a moment. */
export function overlaps(a: { start: Date; end: Date }, b: { start: Date; end: Date }): boolean {
  return a.start < b.end && b.start < a.end;
}
