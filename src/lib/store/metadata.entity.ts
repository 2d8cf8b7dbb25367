import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One stored record: table `metadata`, created by the shipped migration. */
@Entity({ name: 'metadata' })
@Index('metadata_topic_published_at_idx', ['topic', 'publishedAt'])
@Index('metadata_name_published_at_idx', ['name', 'publishedAt'])
export class MetadataEntity {
  /** The UUID stamped at publish: the idempotency key of every write. */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  topic!: string;

  @Column('text')
  name!: string;

  @Column('text')
  location!: string;

  @Column('text')
  context!: string;

  @Column('jsonb')
  data!: unknown;

  @Column('timestamptz', { name: 'published_at' })
  publishedAt!: Date;

  @Column('timestamptz', { name: 'stored_at', default: () => 'now()' })
  storedAt!: Date;
}
