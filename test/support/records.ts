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

/**
 * A UUID that spells `name` (at most 6 ASCII characters) in its last group:
 * tests name records briefly and still give them ids a record can have.
 */
export function namedId(name: string): string {
  return `00000000-0000-4000-8000-${Buffer.from(name).toString('hex').padStart(12, '0')}`;
}

/** The name `namedId` spelled into `id`. */
export function nameOfId(id: string): string {
  return Buffer.from(id.slice(24).replace(/^(00)+/, ''), 'hex').toString();
}
