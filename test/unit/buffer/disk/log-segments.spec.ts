import { logFormat } from '../../../../src/lib/buffer/disk/log-format.js';
import { LogSegments } from '../../../../src/lib/buffer/disk/log-segments.js';

describe('LogSegments', () => {
  it('keeps segments in the order they are entered, with their sizes', () => {
    const segments = new LogSegments();
    expect([segments.first, segments.last, segments.bytes]).toEqual([undefined, undefined, 0]);
    segments.resize(3, 100);
    segments.resize(4, 8);
    segments.resize(3, 150);
    expect(segments.all()).toEqual([3, 4]);
    expect([segments.first, segments.last]).toEqual([3, 4]);
    expect(segments.sizeOf(3)).toBe(150);
    expect(segments.sizeOf(9)).toBeUndefined();
    expect(segments.bytes).toBe(158);
    expect(segments.after(3)).toBe(4);
    expect(segments.after(4)).toBeUndefined();
  });

  it('knows the format of a segment an earlier version left; the rest are current', () => {
    const segments = new LogSegments();
    segments.resize(1, 8);
    segments.resize(2, 8);
    segments.setFormat(1, 1);
    segments.setFormat(2, logFormat.version);
    expect([segments.formatOf(1), segments.formatOf(2)]).toEqual([1, logFormat.version]);
    expect([segments.isCurrentFormat(1), segments.isCurrentFormat(2)]).toEqual([false, true]);
  });

  it('drops the segments before the one to keep, never the last, and says what each held', () => {
    const segments = new LogSegments();
    for (const segment of [1, 2, 3]) segments.resize(segment, segment * 10);
    expect(segments.dropBefore(3)).toEqual([
      { segment: 1, bytes: 10 },
      { segment: 2, bytes: 20 },
    ]);
    expect(segments.all()).toEqual([3]);
    expect(segments.bytes).toBe(30);
    expect(segments.dropBefore(99)).toEqual([]);
    expect(segments.all()).toEqual([3]);
  });
});
