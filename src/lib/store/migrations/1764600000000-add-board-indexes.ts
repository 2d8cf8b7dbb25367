import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for reading records back (the board, GET /metadata): newest or
 * oldest first without a filter, by location, and by containment in `data`.
 * IF NOT EXISTS: on a large table they can be built beforehand with CREATE
 * INDEX CONCURRENTLY, which cannot run inside a migration's transaction.
 */
export class AddBoardIndexes1764600000000 implements MigrationInterface {
  name = 'AddBoardIndexes1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "metadata_published_at_id_idx" ON "metadata" ("published_at", "id")`,
    );
    // A hash index: a location may hold 4 KiB, more than a btree row can (about 2.7 KB).
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "metadata_location_idx" ON "metadata" USING hash ("location")`,
    );
    // jsonb_path_ops: smaller and faster than the default opclass, and serves @> only, all we use.
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "metadata_data_idx" ON "metadata" USING gin ("data" jsonb_path_ops)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "metadata_data_idx"`);
    await queryRunner.query(`DROP INDEX "metadata_location_idx"`);
    await queryRunner.query(`DROP INDEX "metadata_published_at_id_idx"`);
  }
}
