import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { RecordColumns } from './record-columns.js';

/**
 * One stored record: table `metadata`, partitioned by range on `published_at`
 * (the migrations make it; the store's maintenance makes its partitions).
 */
@Entity({ name: 'metadata' })
@Index('metadata_topic_published_at_idx', ['topic', 'publishedAt'])
@Index('metadata_name_published_at_idx', ['name', 'publishedAt'])
@Index('metadata_published_at_id_idx', ['publishedAt', 'id'])
// The index on a prefix of location, which TypeORM cannot describe, the migration owns; the
// GIN index on data, opt-in (store.indexes), the store's maintenance.
@Index('metadata_location_published_at_idx', { synchronize: false })
@Index('metadata_data_idx', { synchronize: false })
export class MetadataEntity extends RecordColumns {
  /** The UUID stamped at publish: with `publishedAt`, the idempotency key of every write. */
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'PK_metadata_id_published_at' })
  id!: string;

  @Column('jsonb')
  data!: unknown;

  /** Stamped at publish and never changed by a retry: a retried record meets its own row. */
  @PrimaryColumn('timestamptz', {
    name: 'published_at',
    primaryKeyConstraintName: 'PK_metadata_id_published_at',
  })
  publishedAt!: Date;

  @Column('timestamptz', { name: 'stored_at', default: () => 'now()' })
  storedAt!: Date;
}
