import { sharedDate } from '../../../src/lib/utils/shared-date.util.js';
import { MetadataEngine } from '../../../src/lib/engine/metadata-engine.js';
import type { MetadataRecord } from '../../../src/lib/record/metadata.interface.js';

describe('sharedDate', () => {
  it('is a Date of its millisecond, shared by the records of that millisecond only', () => {
    const ms = Date.UTC(2026, 11, 7, 8, 30, 0, 123);
    const time = sharedDate(ms);
    expect(time).toBeInstanceOf(Date);
    expect(time.getTime()).toBe(ms);
    expect(time.toISOString()).toBe('2026-12-07T08:30:00.123Z');
    expect(JSON.stringify({ time })).toBe('{"time":"2026-12-07T08:30:00.123Z"}');
    expect(sharedDate(ms)).toBe(time);
    const next = sharedDate(ms + 1);
    expect(next).not.toBe(time);
    expect(next.getTime()).toBe(ms + 1);
    expect(Number.isNaN(sharedDate(NaN).getTime())).toBe(true);
  });

  it('refuses every setter, saying how to change a copy, and stays as it was', () => {
    const ms = Date.UTC(2026, 0, 1);
    const time = sharedDate(ms);
    const setters = Object.getOwnPropertyNames(Date.prototype).filter((m) => m.startsWith('set'));
    expect(setters).toEqual(expect.arrayContaining(['setTime', 'setHours', 'setUTCFullYear']));
    for (const setter of setters) {
      expect(() => (time as unknown as Record<string, (v: number) => void>)[setter](0)).toThrow(
        new TypeError(
          `A record's publishedAt is shared by the records of its millisecond and cannot be changed (${setter}): copy it first, new Date(record.publishedAt).`,
        ),
      );
    }
    expect(time.getTime()).toBe(ms);
    const copy = new Date(time);
    copy.setUTCFullYear(2000);
    expect(copy.getUTCFullYear()).toBe(2000);
    expect(time.getTime()).toBe(ms);
  });

  it('is what an engine stamps: records of one millisecond share it, and cannot move each other', async () => {
    const engine = new MetadataEngine<number>('times');
    const records: MetadataRecord<number>[] = [];
    for (let i = 0; i < 200; i++) {
      records.push((await engine.publish({ data: i, name: 'n', location: 'l', context: 'c' }))!);
    }
    const byMs = new Map(records.map((r) => [r.publishedAt.getTime(), r.publishedAt]));
    for (const record of records) {
      expect(record.publishedAt).toBe(byMs.get(record.publishedAt.getTime()));
    }
    expect(() => records[0].publishedAt.setTime(0)).toThrow(TypeError);
    expect(records.every((r, i) => i === 0 || r.publishedAt >= records[i - 1].publishedAt)).toBe(
      true,
    );
  });
});
