export interface ScheduleOptions {
  /** How long shutdown waits for scheduled runs under way to finish. Default 10000 ms. */
  shutdownTimeoutMs?: number;
  /**
   * How late a tick may start and still be on time, for every task without
   * its own `graceMs`. Default: a quarter of the task's interval, at least 5000 ms.
   */
  graceMs?: number;
  /** How long a run may go on before it is overrunning, and a dead replica's claim lapses. Default 600000 ms. */
  maxRuntimeMs?: number;
  /** How often the watch compares the expected ticks with the claimed ones. Default 1000 ms. */
  checkIntervalMs?: number;
  /** This many failed runs in a row make a task `failing`. Default 3. */
  failingAfter?: number;
  /** The name of this replica in the runs it claims. Default `<hostname>:<pid>`. */
  replica?: string;
}

/** The module options the schedules are run by. */
export interface ScheduleModuleOptions {
  /** The `@MetaTask({ cron })` and `@MetaTask({ every })` schedules; `false` runs none of them. */
  schedule?: ScheduleOptions | false;
}
