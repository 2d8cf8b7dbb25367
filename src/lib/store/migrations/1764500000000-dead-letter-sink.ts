import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dead letters name the sink that refused them: the store, or a connector.
 * One record refused by two connectors is two dead letters.
 */
export class DeadLetterSink1764500000000 implements MigrationInterface {
  name = 'DeadLetterSink1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Idempotent, as every migration here: an app moving the store into its own DataSource runs
    // them again over tables metaqueue's own store already made.
    await queryRunner.query(
      `ALTER TABLE "metadata_dead_letter" ADD COLUMN IF NOT EXISTS "sink" text NOT NULL DEFAULT 'store'`,
    );
    await queryRunner.query(
      `ALTER TABLE "metadata_dead_letter" DROP CONSTRAINT IF EXISTS "PK_metadata_dead_letter_id"`,
    );
    await queryRunner.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'PK_metadata_dead_letter_id_sink') THEN
          ALTER TABLE "metadata_dead_letter" ADD CONSTRAINT "PK_metadata_dead_letter_id_sink" PRIMARY KEY ("id", "sink");
        END IF;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "metadata_dead_letter" WHERE "sink" <> 'store'`);
    await queryRunner.query(
      `ALTER TABLE "metadata_dead_letter" DROP CONSTRAINT "PK_metadata_dead_letter_id_sink"`,
    );
    await queryRunner.query(
      `ALTER TABLE "metadata_dead_letter" ADD CONSTRAINT "PK_metadata_dead_letter_id" PRIMARY KEY ("id")`,
    );
    await queryRunner.query(`ALTER TABLE "metadata_dead_letter" DROP COLUMN "sink"`);
  }
}
