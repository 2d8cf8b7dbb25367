/** A UUID as `randomUUID()` stamps it (PostgreSQL's `uuid` takes it in either case). */
const recordIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The times an ISO string and PostgreSQL's `timestamptz` both hold: the years 1 to 9999. */
const earliestTime = Date.parse('0001-01-01T00:00:00.000Z');
const latestTime = Date.parse('9999-12-31T23:59:59.999Z');

/** Whether `id` is one an engine stamps: the store's key. */
export function isRecordId(id: string): boolean {
  return recordIdPattern.test(id);
}

/** Whether `ms` is a time every place a record goes can hold. */
export function isStorableTime(ms: number): boolean {
  return ms >= earliestTime && ms <= latestTime;
}
