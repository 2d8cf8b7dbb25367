import { HandedOutEntries } from '../../../../src/lib/buffer/redis/handed-out-entries.js';

describe('HandedOutEntries', () => {
  it('keeps an entry per group and stream until its acknowledgement', () => {
    const entries = new HandedOutEntries();
    const batch = ['1-0', '2-0'];
    entries.add('store', 's', batch);
    expect(entries.has('store', 's', '1-0')).toBe(true);
    expect(entries.has('store', 's', '2-0')).toBe(true);
    expect(entries.has('file', 's', '1-0')).toBe(false);
    expect(entries.has('store', 't', '1-0')).toBe(false);
    entries.acknowledged('store', 's', batch);
    expect(entries.has('store', 's', '1-0')).toBe(false);
    expect(entries.has('store', 's', '2-0')).toBe(false);
  });

  it('lets go of one batch only, keeping the others under way', () => {
    const entries = new HandedOutEntries();
    const first = ['1-0'];
    const second = ['2-0'];
    entries.add('store', 's', first);
    entries.add('store', 's', second);
    expect(entries.has('store', 's', '2-0')).toBe(true);
    entries.acknowledged('store', 's', second);
    expect(entries.has('store', 's', '1-0')).toBe(true);
    expect(entries.has('store', 's', '2-0')).toBe(false);
    // An acknowledgement of entries never handed out in a batch (deleted while pending) changes nothing.
    entries.acknowledged('store', 's', ['1-0']);
    expect(entries.has('store', 's', '1-0')).toBe(true);
  });

  it('keeps an entry acknowledged during a read until no read is under way', async () => {
    const entries = new HandedOutEntries();
    const batch = ['1-0'];
    entries.add('store', 's', batch);
    let seenByInner: boolean | undefined;
    const seen = await entries.reading(async () => {
      entries.acknowledged('store', 's', batch);
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
    const batch = ['1-0'];
    entries.add('store', 's', batch);
    const read = entries.reading(() => {
      entries.acknowledged('store', 's', batch);
      return Promise.reject(new Error('cut'));
    });
    await expect(read).rejects.toThrow('cut');
    expect(entries.has('store', 's', '1-0')).toBe(false);
  });
});
