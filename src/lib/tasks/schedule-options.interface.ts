export interface ScheduleOptions {
  /** How long shutdown waits for scheduled runs under way to finish. Default 10000 ms. */
  shutdownTimeoutMs?: number;
}

/** The module options the schedules are run by. */
export interface ScheduleModuleOptions {
  /** The `@MetaTask({ cron })` and `@MetaTask({ every })` schedules; `false` runs none of them. */
  schedule?: ScheduleOptions | false;
}
