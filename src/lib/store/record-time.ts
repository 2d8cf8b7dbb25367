import { isStorableTime } from '../record/record-fields.js';

/** What PostgreSQL is sent for an invalid Date: text it refuses (22007). */
const invalidTime = 'invalid';

/**
 * A record's time as PostgreSQL is sent it. An invalid Date (from a record
 * another program wrote) goes as text PostgreSQL refuses, so the record is
 * dead-lettered like any poison row: `toISOString()` would throw instead,
 * and so will node-postgres, and its batch would be retried forever.
 */
export function sentTime(date: Date): Date | string {
  return Number.isNaN(date.getTime()) ? invalidTime : date;
}

/** The time a dead letter keeps: none when PostgreSQL may not hold it. */
export function deadLetterTime(date: Date): Date | null {
  return isStorableTime(date.getTime()) ? date : null;
}
