import { jest } from '@jest/globals';
import type { Results } from '@electric-sql/pglite';
import { ReadCancelledError, ReadTimeoutError } from '../../../../src/lib/index.js';
import { PGliteReadQueue } from '../../../../src/lib/store/pglite/pglite-read-queue.js';

/** A database thread by hand: what was sent, in order, each settled when the test says. */
function fakeThread() {
  const sent: { sql: string; finish(): void }[] = [];
  let writes = 0;
  const thread = {
    sent,
    get busy() {
      return writes > 0 || sent.some((s) => !('done' in s));
    },
    send: (sql: string) =>
      new Promise<Results>((resolve) => {
        const entry = {
          sql,
          finish: () => {
            Object.assign(entry, { done: true });
            resolve({ rows: [{ sql }], fields: [] });
            queue.idle();
          },
        };
        sent.push(entry);
      }),
    write: () => writes++,
    writeDone: () => {
      writes--;
      queue.idle();
    },
  };
  const queue = new PGliteReadQueue(thread.send, () => thread.busy, 1_000);
  return { thread, queue };
}

describe('PGliteReadQueue', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends a read only while the thread is idle, one at a time: the writer goes first', async () => {
    const { thread, queue } = fakeThread();
    thread.write();
    const first = queue.read('SELECT 1', []);
    const second = queue.read('SELECT 2', []);
    expect(thread.sent).toHaveLength(0);
    thread.writeDone();
    expect(thread.sent.map((s) => s.sql)).toEqual(['SELECT 1']);
    thread.sent[0].finish();
    await first;
    expect(thread.sent.map((s) => s.sql)).toEqual(['SELECT 1', 'SELECT 2']);
    thread.sent[1].finish();
    expect((await second).rows).toEqual([{ sql: 'SELECT 2' }]);
  });

  it('refuses a read that waited past the timeout, and never sends it', async () => {
    const { thread, queue } = fakeThread();
    thread.write();
    const read = queue.read('SELECT 1', []);
    const refused = expect(read).rejects.toThrow(ReadTimeoutError);
    await jest.advanceTimersByTimeAsync(1_000);
    await refused;
    thread.writeDone();
    expect(thread.sent).toHaveLength(0);
  });

  it('answers a read still running at the deadline, and drops one whose caller left', async () => {
    const { thread, queue } = fakeThread();
    const running = queue.read('SELECT 1', []);
    const controller = new AbortController();
    const waiting = queue.read('SELECT 2', [], controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow(ReadCancelledError);
    const late = expect(running).rejects.toThrow(/ran longer than 1000 ms/);
    await jest.advanceTimersByTimeAsync(1_000);
    await late;
    thread.sent[0].finish();
    expect(thread.sent.map((s) => s.sql)).toEqual(['SELECT 1']);
  });
});
