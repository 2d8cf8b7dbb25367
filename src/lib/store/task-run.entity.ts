import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

/**
 * One tick of a scheduled task: table `metaqueue_task_runs`. The row is both
 * the tick's claim (unique on task and scheduled time, so one replica of a
 * fleet wins it) and the run's record, updated when the run ends.
 */
@Entity({ name: 'metaqueue_task_runs' })
@Unique('metaqueue_task_runs_tick_key', ['task', 'scheduledAt'])
@Index('metaqueue_task_runs_running_idx', ['expiresAt'], { where: `"status" = 'running'` })
export class TaskRunEntity {
  /** The run's id, a UUID: what the records it published carry in `context`. */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  task!: string;

  @Column('timestamptz', { name: 'scheduled_at' })
  scheduledAt!: Date;

  @Column('timestamptz', { name: 'started_at' })
  startedAt!: Date;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;

  /** When the claim of a run still `running` lapses, and the run becomes `lost`. */
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  /** `running`, `succeeded`, `failed`, `lost` or `skipped-overlap`. */
  @Column('text')
  status!: string;

  @Column('double precision', { name: 'duration_seconds', nullable: true })
  durationSeconds!: number | null;

  @Column('text', { nullable: true })
  error!: string | null;

  /** The replica that claimed the tick (`schedule.replica`). */
  @Column('text')
  replica!: string;

  @Column('integer', { name: 'records_published', default: 0 })
  recordsPublished!: number;
}
