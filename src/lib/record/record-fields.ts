/** The times an ISO string and PostgreSQL's `timestamptz` both hold: the years 1 to 9999. */
const earliestTime = Date.parse('0001-01-01T00:00:00.000Z');
const latestTime = Date.parse('9999-12-31T23:59:59.999Z');

/** Whether `ms` is a time every place a record goes can hold. */
export function isStorableTime(ms: number): boolean {
  return ms >= earliestTime && ms <= latestTime;
}
