import type { MigrationInterface, QueryRunner } from 'typeorm';

const columns = `"id", "topic", "name", "location", "context", "data", "published_at", "stored_at"`;

/** The columns as the first migration made them, for the table either way round. */
const columnDefinitions = `"id" uuid NOT NULL, "topic" text NOT NULL, "name" text NOT NULL,
  "location" text NOT NULL, "context" text NOT NULL, "data" jsonb NOT NULL,
  "published_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "stored_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`;

/** The indexes the board and GET /metadata use (docs/store.md says which query each serves). */
const indexes = [
  `CREATE INDEX IF NOT EXISTS "metadata_published_at_id_idx" ON "metadata" ("published_at", "id")`,
  `CREATE INDEX IF NOT EXISTS "metadata_topic_published_at_idx" ON "metadata" ("topic", "published_at")`,
  `CREATE INDEX IF NOT EXISTS "metadata_name_published_at_idx" ON "metadata" ("name", "published_at")`,
  // A hash index: a location may hold 4 KiB, more than a btree row can (about 2.7 KB).
  `CREATE INDEX IF NOT EXISTS "metadata_location_idx" ON "metadata" USING hash ("location")`,
];

/**
 * Table `metadata` becomes partitioned by range on `published_at`, with a
 * default partition for any time no partition covers; the store's
 * maintenance makes the partitions ahead. The key becomes (`id`,
 * `published_at`): a record keeps its time across retries, so a retry still
 * meets its row. The GIN index on `data` is no longer made here: it is
 * opt-in (`store.indexes`).
 *
 * An existing table is moved, in this migration's transaction: renamed, one
 * partition per UTC day it holds records of, every row copied, then dropped.
 * Writers wait on its lock meanwhile (docs/store.md gives the time for 1M
 * rows). Rerun, it finds a partitioned table and moves nothing; run without
 * a transaction and cut short, a rerun finishes the copy (ON CONFLICT skips
 * the rows already copied).
 */
export class PartitionMetadata1764800000000 implements MigrationInterface {
  name = 'PartitionMetadata1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$ BEGIN
        IF (SELECT "relkind" FROM pg_class WHERE oid = to_regclass('metadata')) = 'r' THEN
          ALTER TABLE "metadata" RENAME TO "metadata_unpartitioned";
          ALTER TABLE "metadata_unpartitioned" DROP CONSTRAINT IF EXISTS "PK_metadata_id";
          DROP INDEX IF EXISTS "metadata_published_at_id_idx", "metadata_topic_published_at_idx",
            "metadata_name_published_at_idx", "metadata_location_idx", "metadata_data_idx";
        END IF;
      END $$`);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS "metadata" (
        ${columnDefinitions},
        CONSTRAINT "PK_metadata_id_published_at" PRIMARY KEY ("id", "published_at")
      ) PARTITION BY RANGE ("published_at")`);
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS "metadata_default" PARTITION OF "metadata" DEFAULT`,
    );
    await queryRunner.query(`
      DO $$
      DECLARE day timestamp;
      BEGIN
        IF to_regclass('metadata_unpartitioned') IS NOT NULL THEN
          FOR day IN SELECT DISTINCT date_trunc('day', "published_at" AT TIME ZONE 'UTC') FROM "metadata_unpartitioned" LOOP
            IF to_regclass('metadata_d' || to_char(day, 'YYYYMMDD')) IS NULL THEN
              EXECUTE format('CREATE TABLE %I PARTITION OF "metadata" FOR VALUES FROM (%L) TO (%L)',
                'metadata_d' || to_char(day, 'YYYYMMDD'), day::text || '+00', (day + interval '1 day')::text || '+00');
            END IF;
          END LOOP;
          INSERT INTO "metadata" (${columns}) SELECT ${columns} FROM "metadata_unpartitioned" ON CONFLICT DO NOTHING;
          DROP TABLE "metadata_unpartitioned";
        END IF;
      END $$`);
    for (const index of indexes) await queryRunner.query(index);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "metadata" RENAME TO "metadata_partitioned"`);
    await queryRunner.query(`
      CREATE TABLE "metadata" (
        ${columnDefinitions},
        CONSTRAINT "PK_metadata_id" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `INSERT INTO "metadata" (${columns}) SELECT ${columns} FROM "metadata_partitioned" ON CONFLICT DO NOTHING`,
    );
    await queryRunner.query(`DROP TABLE "metadata_partitioned"`);
    for (const index of indexes) await queryRunner.query(index);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "metadata_data_idx" ON "metadata" USING gin ("data" jsonb_path_ops)`,
    );
  }
}
