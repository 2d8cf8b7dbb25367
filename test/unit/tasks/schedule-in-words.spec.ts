import { scheduleInWords } from '../../../src/lib/tasks/schedule-in-words.js';

describe('scheduleInWords', () => {
  it.each([
    [{ every: 5_000 }, 'every 5 seconds'],
    [{ every: 1_000 }, 'every second'],
    [{ every: 1_500 }, 'every 1.5 seconds'],
    [{ every: 120_000 }, 'every 2 minutes'],
    [{ every: 3_600_000 }, 'every hour'],
    [{ every: 250 }, 'every 250 milliseconds'],
    [{ cron: '*/5 * * * * *' }, 'every 5 seconds'],
    [{ cron: '* * * * * *' }, 'every second'],
    [{ cron: '0 */15 * * * *' }, 'every 15 minutes'],
    [{ cron: '*/10 * * * *' }, 'every 10 minutes'],
    [{ cron: '0 * * * * *' }, 'every minute'],
    [{ cron: '0 30 * * * *' }, 'every hour at minute 30'],
    [{ cron: '0 0 3 * * *', timeZone: 'Europe/Paris' }, 'every day at 03:00 (Europe/Paris)'],
    [{ cron: '15 9 * * *' }, 'every day at 09:15'],
    [{ cron: '0 0 9 * * 1-5' }, 'cron 0 0 9 * * 1-5'],
    [{}, 'on demand'],
  ])('%j is %s', (options, words) => {
    expect(scheduleInWords(options)).toBe(words);
  });
});
