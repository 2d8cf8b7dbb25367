import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dead letter keeps any record a sink refused, even one whose id is not a
 * UUID or whose time PostgreSQL cannot hold (an entry another program wrote
 * into a Redis stream): `id` becomes text, `published_at` nullable.
 * Otherwise the dead-letter insert is refused with the record, and the
 * batch is retried forever.
 */
export class DeadLetterAnyRecord1764700000000 implements MigrationInterface {
  name = 'DeadLetterAnyRecord1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Idempotent, as every migration here: both are no-ops on a table already changed.
    await queryRunner.query(`ALTER TABLE "metadata_dead_letter" ALTER COLUMN "id" TYPE text`);
    await queryRunner.query(
      `ALTER TABLE "metadata_dead_letter" ALTER COLUMN "published_at" DROP NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The dead letters the old columns cannot hold go.
    await queryRunner.query(
      `DELETE FROM "metadata_dead_letter" WHERE "published_at" IS NULL OR "id" !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`,
    );
    await queryRunner.query(
      `ALTER TABLE "metadata_dead_letter" ALTER COLUMN "published_at" SET NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "metadata_dead_letter" ALTER COLUMN "id" TYPE uuid USING "id"::uuid`,
    );
  }
}
