/** The topic every `@MetaTask` run is recorded to, unless `recordRuns: false`. */
export const TASK_RUNS_TOPIC = 'metaqueue_task_runs';
