import { randomUUID } from 'node:crypto';
import type { MetadataRecord } from '../../src/lib/index.js';

/** Stamped records as an engine would make them, for tests below the engines. */
export function records(n: number, topic = 't'): MetadataRecord<number>[] {
  return Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    topic,
    name: 'm',
    location: 'l',
    context: 'c',
    data: i,
    json: String(i),
    publishedAt: new Date(0),
  }));
}

/** Records of the OpenMetrics family `name`. */
export function named(name: string, n: number): MetadataRecord<number>[] {
  return records(n).map((r) => ({ ...r, name }));
}
