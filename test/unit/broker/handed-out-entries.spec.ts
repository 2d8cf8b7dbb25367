import { HandedOutEntries } from '../../../src/lib/broker/source/redis/handed-out-entries.js';

describe('HandedOutEntries', () => {
  it('keeps an entry per group and stream until its acknowledgement', () => {
    const entries = new HandedOutEntries();
    entries.add('store', 's', '1-0');
    expect(entries.has('store', 's', '1-0')).toBe(true);
    expect(entries.has('file', 's', '1-0')).toBe(false);
    expect(entries.has('store', 't', '1-0')).toBe(false);
    entries.acknowledged('store', 's', ['1-0']);
    expect(entries.has('store', 's', '1-0')).toBe(false);
  });

  it('keeps an entry acknowledged during a read until no read is under way', async () => {
    const entries = new HandedOutEntries();
    entries.add('store', 's', '1-0');
    let seenByInner: boolean | undefined;
    const seen = await entries.reading(async () => {
      entries.acknowledged('store', 's', ['1-0']);
      await entries.reading(async () => {
        seenByInner = entries.has('store', 's', '1-0');
      });
      return entries.has('store', 's', '1-0');
    });
    expect(seenByInner).toBe(true);
    expect(seen).toBe(true);
    expect(entries.has('store', 's', '1-0')).toBe(false);
  });

  it('lets acknowledged entries go when a read fails', async () => {
    const entries = new HandedOutEntries();
    entries.add('store', 's', '1-0');
    const read = entries.reading(() => {
      entries.acknowledged('store', 's', ['1-0']);
      return Promise.reject(new Error('cut'));
    });
    await expect(read).rejects.toThrow('cut');
    expect(entries.has('store', 's', '1-0')).toBe(false);
  });
});
