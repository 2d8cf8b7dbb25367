import {
  overlaps,
  parsePartitionName,
  partitionOf,
  periodAfter,
} from '../../../../src/lib/store/partitions/partition-period.js';

const at = (iso: string) => new Date(iso);

describe('partition periods', () => {
  it('a day is a UTC day, whatever the local time zone', () => {
    expect(partitionOf('day', at('2026-12-06T23:59:59.999Z'))).toEqual({
      name: 'metadata_d20261206',
      start: at('2026-12-06T00:00:00Z'),
      end: at('2026-12-07T00:00:00Z'),
    });
    expect(partitionOf('day', at('2026-12-07T00:00:00Z')).name).toBe('metadata_d20261207');
  });

  it('a week starts on Monday (ISO), across a month and a year', () => {
    // 2026-12-06 is a Sunday: its week began on Monday 2026-11-30.
    expect(partitionOf('week', at('2026-12-06T12:00:00Z'))).toEqual({
      name: 'metadata_w20261130',
      start: at('2026-11-30T00:00:00Z'),
      end: at('2026-12-07T00:00:00Z'),
    });
    expect(partitionOf('week', at('2026-11-30T00:00:00Z')).name).toBe('metadata_w20261130');
    expect(partitionOf('week', at('2027-01-01T00:00:00Z')).name).toBe('metadata_w20261228');
  });

  it('a month runs from the 1st to the 1st, February and December included', () => {
    expect(partitionOf('month', at('2028-02-29T10:00:00Z'))).toEqual({
      name: 'metadata_m20280201',
      start: at('2028-02-01T00:00:00Z'),
      end: at('2028-03-01T00:00:00Z'),
    });
    expect(periodAfter('month', at('2026-12-01T00:00:00Z'))).toEqual(at('2027-01-01T00:00:00Z'));
  });

  it('reads back the span of the names it gives, and of no other table', () => {
    for (const period of ['day', 'week', 'month'] as const) {
      const partition = partitionOf(period, at('2026-12-06T05:00:00Z'));
      expect(parsePartitionName(partition.name)).toEqual(partition);
    }
    expect(parsePartitionName('metadata_default')).toBeUndefined();
    expect(parsePartitionName('metadata_d20261332')).toBeUndefined();
    // Not a Monday: no week partition of metaqueue's starts there.
    expect(parsePartitionName('metadata_w20261206')).toBeUndefined();
    expect(parsePartitionName('metadata_m20261206')).toBeUndefined();
  });

  it('spans that touch do not overlap', () => {
    const day = partitionOf('day', at('2026-12-06T00:00:00Z'));
    expect(overlaps(day, partitionOf('day', at('2026-12-07T00:00:00Z')))).toBe(false);
    expect(overlaps(day, partitionOf('week', day.start))).toBe(true);
  });
});
