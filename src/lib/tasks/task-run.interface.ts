/** The `name` of every run record: its OpenMetrics family in the file. */
export const TASK_RUN_RECORD_NAME = 'metaqueue_task_run';

/**
 * The data of a run record. Its `location` is the task's name, its `context`
 * the run's id (a UUID), its `publishedAt` when the run ended.
 */
export interface TaskRunData {
  status: 'succeeded' | 'failed';
  durationSeconds: number;
  /** The failure's message, for a failed run. */
  error?: string;
}
