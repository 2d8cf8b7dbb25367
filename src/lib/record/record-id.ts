import { randomFillSync } from 'node:crypto';

/** A UUID as `newRecordId()` stamps it (PostgreSQL's `uuid` takes it in either case). */
const recordIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` is one an engine stamps: the store's key. */
export function isRecordId(id: string): boolean {
  return recordIdPattern.test(id);
}

// Random bytes for 1,024 ids at a time, from the same CSPRNG as randomUUID(): a fill costs
// about 7 µs however small, so 9 ns an id at this size against 59 ns at 128 ids.
const random = Buffer.alloc(16 * 1_024);
let next = random.length;
// The id's text, dashes in place: each id writes its 32 digits over the last one's.
const text = Buffer.alloc(36, '-');
const digits = Buffer.from('0123456789abcdef');

/**
 * A version 7 UUID (RFC 9562) for the record an engine stamps: its publish
 * time's milliseconds, then 74 random bits. Ids of a later millisecond sort
 * later, so the table's key takes each insert at its right-hand end, not at a random
 * page: COPY of 200,000 rows into a table of 1,000,000 took 1.41 to 1.47 s
 * against 2.30 to 2.51 s with random (version 4) ids, and the key was 25%
 * smaller. Written into one buffer and read out as one string: `randomUUID()`
 * allocates about 585 bytes an id (the pieces of its text), this 57.
 */
export function newRecordId(ms: number): string {
  if (next === random.length) {
    randomFillSync(random);
    next = 0;
  }
  // 48 bits of milliseconds, big-endian, over the first six random bytes.
  const high = Math.floor(ms / 0x10000);
  random[next] = high >>> 24;
  random[next + 1] = (high >>> 16) & 0xff;
  random[next + 2] = (high >>> 8) & 0xff;
  random[next + 3] = high & 0xff;
  random[next + 4] = (ms >>> 8) & 0xff;
  random[next + 5] = ms & 0xff;
  random[next + 6] = (random[next + 6] & 0x0f) | 0x70; // version 7
  random[next + 8] = (random[next + 8] & 0x3f) | 0x80; // variant 10
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) at++;
    const byte = random[next + i];
    text[at++] = digits[byte >> 4];
    text[at++] = digits[byte & 15];
  }
  next += 16;
  return text.toString('latin1');
}
