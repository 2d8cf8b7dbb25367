import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The runs of scheduled tasks, one row per tick: the unique key on task and
 * scheduled time is what lets one replica of a fleet claim a tick
 * (`INSERT … ON CONFLICT DO NOTHING RETURNING`).
 */
export class TaskRuns1764900000000 implements MigrationInterface {
  name = 'TaskRuns1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS "metaqueue_task_runs" (
        "id" uuid NOT NULL,
        "task" text NOT NULL,
        "scheduled_at" timestamptz NOT NULL,
        "started_at" timestamptz NOT NULL,
        "finished_at" timestamptz,
        "expires_at" timestamptz NOT NULL,
        "status" text NOT NULL,
        "duration_seconds" double precision,
        "error" text,
        "replica" text NOT NULL,
        "records_published" integer NOT NULL DEFAULT 0,
        CONSTRAINT "metaqueue_task_runs_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "metaqueue_task_runs_tick_key" UNIQUE ("task", "scheduled_at")
      )`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "metaqueue_task_runs_running_idx" ON "metaqueue_task_runs" ("expires_at") WHERE "status" = 'running'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "metaqueue_task_runs"`);
  }
}
