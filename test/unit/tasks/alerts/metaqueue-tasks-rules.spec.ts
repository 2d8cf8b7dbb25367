import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requirement } from '../../../support/requirement.js';

const rules = resolve('src/lib/tasks/alerts/metaqueue-tasks.rules.yml');
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
const { describe: withPromtool } = requirement(
  'promtool',
  hasPromtool,
  'apt-get install prometheus, as .ci/run does',
);

/**
 * The shipped rules under `promtool test rules`: each alert fires on the
 * series a fleet in trouble reports, with the task's name, and stays quiet
 * on a healthy one. Series are per replica (`instance`); the rules take the
 * max over them.
 */
const cases = `
rule_files: [${JSON.stringify(rules)}]
evaluation_interval: 1m
tests:
  # A miss seen by two replicas' watches: one alert for the task.
  - interval: 1m
    input_series:
      - series: 'metaqueue_task_missed_runs_total{task="report",instance="a"}'
        values: '0 0 0 1 1 1 1'
      - series: 'metaqueue_task_missed_runs_total{task="report",instance="b"}'
        values: '0 0 0 1 1 1 1'
      - series: 'metaqueue_task_missed_runs_total{task="healthy",instance="a"}'
        values: '0 0 0 0 0 0 0'
    alert_rule_test:
      - eval_time: 2m
        alertname: MetaqueueTaskMissed
        exp_alerts: []
      - eval_time: 5m
        alertname: MetaqueueTaskMissed
        exp_alerts:
          - exp_labels: { task: report, severity: warning }
            exp_annotations:
              summary: 'Task report missed a tick'
              description: 'No replica claimed a tick of report within its grace in the last 15 minutes.'
  - interval: 1m
    input_series:
      - series: 'metaqueue_task_late_runs_total{task="report",instance="a"}'
        values: '0 0 2 2'
      - series: 'metaqueue_task_overrunning_runs{task="report",instance="a"}'
        values: '0 0 1 1'
      - series: 'metaqueue_task_failing{task="report",instance="a"}'
        values: '0 0 1 1'
      - series: 'metaqueue_task_failing{task="report",instance="b"}'
        values: '0 0 1 1'
    alert_rule_test:
      - eval_time: 1m
        alertname: MetaqueueTaskFailing
        exp_alerts: []
      - eval_time: 3m
        alertname: MetaqueueTaskLate
        exp_alerts:
          - exp_labels: { task: report, severity: info }
            exp_annotations:
              summary: 'Task report started late'
              description: 'A run of report started more than its grace after its tick in the last 15 minutes.'
      - eval_time: 3m
        alertname: MetaqueueTaskOverrunning
        exp_alerts:
          - exp_labels: { task: report, severity: warning }
            exp_annotations:
              summary: 'Task report is overrunning'
              description: 'A run of report has gone on longer than its maxRuntimeMs.'
      - eval_time: 3m
        alertname: MetaqueueTaskFailing
        exp_alerts:
          - exp_labels: { task: report, severity: critical }
            exp_annotations:
              summary: 'Task report is failing'
              description: 'The last runs of report (schedule.failingAfter) all failed.'
  # The whole fleet dies at 3m: its series go stale. The next tick it announced (4m) is
  # unjudged 5 minutes later; while it lived, the next tick was always ahead.
  - interval: 1m
    input_series:
      - series: 'metaqueue_task_next_run_timestamp_seconds{task="report",instance="a"}'
        values: '60 120 180 240 stale'
    alert_rule_test:
      - eval_time: 3m
        alertname: MetaqueueTaskFleetSilent
        exp_alerts: []
      - eval_time: 3m
        alertname: MetaqueueTasksAbsent
        exp_alerts: []
      - eval_time: 8m
        alertname: MetaqueueTaskFleetSilent
        exp_alerts: []
      - eval_time: 10m
        alertname: MetaqueueTaskFleetSilent
        exp_alerts:
          - exp_labels: { task: report, severity: critical }
            exp_annotations:
              summary: 'No replica reports task report'
              description: 'The tick of report due at 6m 0s ago is unjudged: no replica of the fleet is scraped.'
      - eval_time: 10m
        alertname: MetaqueueTasksAbsent
        exp_alerts:
          - exp_labels: { severity: critical }
            exp_annotations:
              summary: 'No metaqueue replica reports any scheduled task'
              description: 'metaqueue_task_next_run_timestamp_seconds is absent: every replica is down or unscraped.'
`;

withPromtool('the shipped alerting rules of scheduled tasks', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'metaqueue-rules-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are valid rules', () => {
    const check = spawnSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toMatch(/SUCCESS: 6 rules found/);
    expect(check.status).toBe(0);
  });

  it('pass promtool test rules: each alert fires on a fleet in trouble, none on a healthy one', () => {
    const file = join(dir, 'metaqueue-tasks.test.yml');
    writeFileSync(file, cases);
    const test = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(test.stdout + test.stderr).toMatch(/SUCCESS/);
    expect(test.status).toBe(0);
  });
});
