import { BackgroundTasks } from '../../../../src/lib/buffer/redis/background-tasks.js';

describe('BackgroundTasks', () => {
  it('waits for every task, those tracked meanwhile too, and minds no failure', async () => {
    const tasks = new BackgroundTasks();
    const done: string[] = [];
    tasks.track(
      new Promise<void>((resolve) =>
        setTimeout(() => {
          done.push('first');
          tasks.track(new Promise<void>((r) => setTimeout(() => r(void done.push('second')), 5)));
          resolve();
        }, 5),
      ),
    );
    tasks.track(Promise.reject(new Error('a failed XACK')));
    await tasks.settled();
    expect(done).toEqual(['first', 'second']);
  });

  it('is settled at once when nothing runs', async () => {
    await expect(new BackgroundTasks().settled()).resolves.toBeUndefined();
  });
});
