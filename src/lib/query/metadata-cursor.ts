import { isRecordId } from '../record/record-id.js';
import { isCalendarDate } from './calendar-date.js';

/** Where a page ended: the last record's exact publish time and id (keyset pagination). */
export interface MetadataCursor {
  /** `published_at` in UTC to the microsecond, as PostgreSQL holds it: a Date would round it. */
  publishedAt: string;
  id: string;
}

const exactInstant = /^(\d{4})-(\d{2})-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$/;

/** Opaque to clients: they pass it back as it is. */
export function encodeCursor(cursor: MetadataCursor): string {
  return Buffer.from(JSON.stringify([cursor.publishedAt, cursor.id])).toString('base64url');
}

/** The cursor to the page after the one that ended with `last`; `null` without a last record. */
export function cursorAfter(last: { cursorAt: string; id: string } | undefined): string | null {
  return last ? encodeCursor({ publishedAt: last.cursorAt, id: last.id }) : null;
}

/** The cursor, or `undefined` if `text` is not one `encodeCursor()` made. */
export function decodeCursor(text: string): MetadataCursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [publishedAt, id] = value as unknown[];
  const instant = typeof publishedAt === 'string' ? exactInstant.exec(publishedAt) : null;
  // A forged cursor could name a day PostgreSQL refuses (February 31, year 0): a 400, not a 500.
  if (!instant || !isCalendarDate(instant[1], instant[2], instant[3])) return undefined;
  if (typeof id !== 'string' || !isRecordId(id)) return undefined;
  return { publishedAt: publishedAt as string, id };
}
