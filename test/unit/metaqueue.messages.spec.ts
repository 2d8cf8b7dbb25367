import { logMessages } from '../../src/lib/metaqueue.messages.js';

describe('the shutdown line', () => {
  const sink = (name: string, flushed: number, written: number, unflushed = 0) => ({
    sink: name,
    flushed,
    written,
    unflushed,
  });

  it('leads with the total every sink has, so one pass that differs reads as no loss', () => {
    expect(
      logMessages.shutdownFlushed(
        [sink('store', 7302, 37408), sink('file', 7303, 37408)],
        undefined,
      ),
    ).toBe(
      'Final flush at shutdown: every sink has all 37408 records since start (store, file); this last pass wrote 7302 to store, 7303 to file; nothing left unflushed.',
    );
  });

  it('gives each sink its own total when they differ, and says what is left and where', () => {
    expect(
      logMessages.shutdownFlushed(
        [sink('store', 10, 100), sink('file', 0, 90, 10)],
        '/var/lib/app/buffer',
      ),
    ).toBe(
      'Final flush at shutdown: since start, 100 records to store, 90 records to file; this last pass wrote 10 to store, 0 to file; unflushed (kept in /var/lib/app/buffer for a restart): 10 for file.',
    );
  });
});
