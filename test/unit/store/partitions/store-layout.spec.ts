import { MetaqueueConfigError, type RetentionPeriod } from '../../../../src/lib/index.js';
import { resolveStoreLayout } from '../../../../src/lib/store/partitions/store-layout.js';

describe('the store layout options', () => {
  it('defaults: daily partitions, two ahead, kept for ever, no optional index, hourly', () => {
    const layout = resolveStoreLayout();
    expect([layout.partition, layout.partitionsAhead, layout.indexes]).toEqual(['day', 2, []]);
    expect([layout.retention, layout.deadLetterRetention, layout.taskRunRetention]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(layout.maintenanceIntervalMs).toBe(3_600_000);
  });

  it('takes a period or a function of the topic as retention', () => {
    const byTopic = (topic: string): RetentionPeriod => (topic === 'audit' ? '400d' : '30d');
    expect(resolveStoreLayout({ retention: '90d' }).retention).toBe('90d');
    expect(resolveStoreLayout({ retention: byTopic }).retention).toBe(byTopic);
  });

  it.each([
    [{ partition: 'hour' }, /store option partition="hour"/],
    [{ partitionsAhead: -1 }, /partitionsAhead=-1/],
    [{ retention: '90 days' }, /retention="90 days": expected a period such as '90d'/],
    [{ deadLetterRetention: 7 }, /deadLetterRetention=7/],
    [{ taskRunRetention: '1 month' }, /taskRunRetention="1 month"/],
    [{ indexes: ['location'] }, /indexes=\["location"\]/],
    [{ maintenanceIntervalMs: 0 }, /maintenanceIntervalMs=0/],
  ])('refuses %p, saying what it must be', (options, message) => {
    expect(() => resolveStoreLayout(options as never)).toThrow(MetaqueueConfigError);
    expect(() => resolveStoreLayout(options as never)).toThrow(message);
  });
});
