import { Module } from '@nestjs/common';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetaqueueModule, MetaTask, MetricsController } from '../../src/lib/index.js';
import { PrometheusServer, scrapedApp, withPrometheus } from '../support/prometheus-server.js';
import { tempDirPerTest } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const shippedRules = 'src/lib/tasks/alerts/metaqueue-tasks.rules.yml';

/**
 * The shipped rules with only the durations that would make this test wait
 * minutes shortened: `for: 5m` (MetaqueueTasksAbsent) and the 300 s a silent
 * fleet's announced tick must be past (MetaqueueTaskFleetSilent). Every
 * expression is otherwise the shipped one; a change to them fails here.
 */
function shortenedRules(shipped: string): string {
  const once = (text: string, from: RegExp, to: string) => {
    const found = text.match(new RegExp(from.source, `${from.flags}g`))?.length ?? 0;
    if (found !== 1) throw new Error(`${from} occurs ${found} times in ${shippedRules}, not once`);
    return text.replace(from, to);
  };
  return once(once(shipped, /^(\s+for:) 5m$/m, '$1 5s'), /\) > 300$/m, ') > 5');
}

@MetaTask({ name: 'beat', every: 1_000 })
class BeatTask {
  run(): void {}
}

/**
 * A real Prometheus scrapes a real app whose task ticks every second, with the
 * shipped alert rules loaded: the missed-task rule stays quiet while the task
 * runs, fires once its job is removed from SchedulerRegistry, and the
 * silent-fleet rules fire once the app is gone.
 */
withPrometheus.describe('the shipped task alert rules in a real Prometheus', () => {
  const tempDir = tempDirPerTest('task-alerts');
  it('MetaqueueTaskMissed is quiet while the task runs and fires once it stops; the fleet-silent rules fire once the app is gone', async () => {
    @Module({
      imports: [
        ScheduleModule.forRoot(),
        MetaqueueModule.forRoot({ topics: ['beats'], store: false }),
      ],
      controllers: [MetricsController],
      providers: [BeatTask],
    })
    class ScrapedModule {}
    const { app, target } = await scrapedApp(ScrapedModule);
    const rules = join(tempDir(), 'metaqueue-tasks.rules.yml');
    writeFileSync(rules, shortenedRules(readFileSync(shippedRules, 'utf8')));
    const prometheus = await PrometheusServer.start({
      targets: [target],
      ruleFiles: [rules],
    });
    let closed = false;
    const firing = async (alertname: string) =>
      (await prometheus.alerts()).some(
        (a) => a.labels.alertname === alertname && a.state === 'firing',
      );
    try {
      // Every rule loaded and evaluated without error.
      await until(async () => (await prometheus.rules()).length === 6, 30_000);
      // Prometheus saw the task succeed on at least six ticks, scrape after scrape.
      await until(
        async () =>
          (
            await prometheus.values(
              'changes(metaqueue_task_last_success_timestamp_seconds{task="beat"}[1m])',
            )
          )[0] >= 6,
        30_000,
      );
      const loaded = await prometheus.rules();
      expect(loaded.every((r) => r.health === 'ok')).toBe(true);
      expect(loaded.find((r) => r.name === 'MetaqueueTaskMissed')?.state).toBe('inactive');
      // Over all that time: the counter at 0 in every scrape, and no alert on the task, not
      // even pending. (MetaqueueTasksAbsent was pending before the first scrape, rightly.)
      expect(
        await prometheus.values('max_over_time(metaqueue_task_missed_runs_total{task="beat"}[5m])'),
      ).toEqual([0]);
      expect(await prometheus.values('count_over_time(ALERTS{task="beat"}[5m])')).toEqual([]);

      // The task stops: its job removed at runtime. The watch misses its next tick.
      app.get(SchedulerRegistry).deleteInterval('beat');
      await until(() => firing('MetaqueueTaskMissed'), 60_000);
      const missed = (await prometheus.alerts()).filter(
        (a) => a.labels.alertname === 'MetaqueueTaskMissed',
      );
      expect(missed.map((a) => a.labels)).toEqual([
        { alertname: 'MetaqueueTaskMissed', task: 'beat', severity: 'warning' },
      ]);

      // The whole fleet (one app) stops: nothing reports the task any more.
      await app.close();
      closed = true;
      await until(
        async () =>
          (await firing('MetaqueueTaskFleetSilent')) && (await firing('MetaqueueTasksAbsent')),
        60_000,
      );
      const silent = (await prometheus.alerts()).find(
        (a) => a.labels.alertname === 'MetaqueueTaskFleetSilent',
      );
      expect(silent?.labels.task).toBe('beat');
    } finally {
      await prometheus.stop();
      if (!closed) await app.close();
    }
  });
});
