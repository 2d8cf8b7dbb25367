import type { MetadataRecord } from '../record/metadata.interface.js';
import { deadLetterTime } from './record-time.js';

/** `value` as a text column takes it: a NUL, which none holds, as the six characters `\u0000`. */
function storableText(value: string): string {
  return value.replaceAll('\u0000', '\\u0000');
}

/**
 * The dead letter of `record`, as one row of the dead-letter insert's
 * arrays: every field kept, none it could be refused for (see
 * `DeadLetterEntity`), so a refused record is never retried forever.
 */
export function deadLetterRow(record: MetadataRecord, reason: string, sink: string): unknown[][] {
  const { id, topic, name, location, context, json, publishedAt } = record;
  const texts = [id, topic, name, location, context, json].map((v) => [storableText(v)]);
  return [...texts, [deadLetterTime(publishedAt)], [storableText(reason)], [sink]];
}
