import type { Redis } from 'ioredis';
import { encodeRecord } from '../../src/lib/buffer/record-codec.js';
import { records } from './records.js';

/** A record's JSON as a stream entry holds it, with the id or the time another program gave it. */
function recordWith(change: { id?: string; time?: number }): string {
  const tuple = JSON.parse(encodeRecord(records(1)[0])) as unknown[];
  if (change.id !== undefined) tuple[0] = change.id;
  if (change.time !== undefined) tuple[6] = change.time;
  return JSON.stringify(tuple);
}

/** Entries another program might append to a topic's stream, none a record metaqueue can deliver. */
export const foreignEntries: { shape: string; fields: string[] }[] = [
  { shape: 'r that is not JSON', fields: ['r', 'notjson'] },
  { shape: 'r an array of numbers', fields: ['r', '[1,2]'] },
  { shape: 'r null', fields: ['r', 'null'] },
  { shape: 'r an empty object', fields: ['r', '{}'] },
  { shape: 'r with a newline', fields: ['r', 'not\njson\rline'] },
  { shape: 'no field r', fields: ['job', 'x', 'note', 'two\nlines'] },
];

/** Entries shaped like a record, whose id or time the engine never stamps and the store cannot keep. */
export const badRecordEntries: { shape: string; fields: string[] }[] = [
  { shape: 'an id that is not a UUID', fields: ['r', recordWith({ id: 'not-a-uuid\nforged' })] },
  { shape: 'a time past the year 9999', fields: ['r', recordWith({ time: 1e16 })] },
  { shape: 'a time before the year 1', fields: ['r', recordWith({ time: -1e14 })] },
];

/** One entry of the dead-letter stream: where the entry was, why it moved, and its own fields. */
export interface DeadLetterEntry {
  stream: string;
  id: string;
  reason: string;
  fields: string[];
}

export async function readDeadLetters(client: Redis, key: string): Promise<DeadLetterEntry[]> {
  return (await client.xrange(key, '-', '+')).map(([, list]) => ({
    stream: list[1],
    id: list[3],
    reason: list[5],
    fields: list.slice(6),
  }));
}

/** Entries of `stream` handed to a consumer of `group` and not yet acknowledged. */
export async function pendingIn(client: Redis, stream: string, group: string): Promise<number> {
  return ((await client.xpending(stream, group)) as [number])[0];
}
