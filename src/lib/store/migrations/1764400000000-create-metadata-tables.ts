import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `metadata` and `metadata_dead_letter`, matching their entities
 * exactly. IF NOT EXISTS: an app that moves the store from metaqueue's own
 * DataSource into its own runs it again, under another migrations table.
 */
export class CreateMetadataTables1764400000000 implements MigrationInterface {
  name = 'CreateMetadataTables1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS "metadata" (
        "id" uuid NOT NULL,
        "topic" text NOT NULL,
        "name" text NOT NULL,
        "location" text NOT NULL,
        "context" text NOT NULL,
        "data" jsonb NOT NULL,
        "published_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "stored_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_metadata_id" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "metadata_topic_published_at_idx" ON "metadata" ("topic", "published_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "metadata_name_published_at_idx" ON "metadata" ("name", "published_at")`,
    );
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS "metadata_dead_letter" (
        "id" uuid NOT NULL,
        "topic" text NOT NULL,
        "name" text NOT NULL,
        "location" text NOT NULL,
        "context" text NOT NULL,
        "data" text NOT NULL,
        "published_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "reason" text NOT NULL,
        "failed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_metadata_dead_letter_id" PRIMARY KEY ("id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "metadata_dead_letter"`);
    await queryRunner.query(`DROP TABLE "metadata"`);
  }
}
