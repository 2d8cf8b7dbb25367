import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { RecordColumns } from './record-columns.js';

/** One stored record: table `metadata`, created by the shipped migration. */
@Entity({ name: 'metadata' })
@Index('metadata_topic_published_at_idx', ['topic', 'publishedAt'])
@Index('metadata_name_published_at_idx', ['name', 'publishedAt'])
@Index('metadata_published_at_id_idx', ['publishedAt', 'id'])
// A hash index and a GIN index with an operator class, which TypeORM cannot describe: the migration owns them.
@Index('metadata_location_idx', { synchronize: false })
@Index('metadata_data_idx', { synchronize: false })
export class MetadataEntity extends RecordColumns {
  /** The UUID stamped at publish: the idempotency key of every write. */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('jsonb')
  data!: unknown;

  @Column('timestamptz', { name: 'published_at' })
  publishedAt!: Date;

  @Column('timestamptz', { name: 'stored_at', default: () => 'now()' })
  storedAt!: Date;
}
