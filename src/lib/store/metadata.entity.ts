import { Column, Entity, Index } from 'typeorm';
import { RecordColumns } from './record-columns.js';

/** One stored record: table `metadata`, created by the shipped migration. */
@Entity({ name: 'metadata' })
@Index('metadata_topic_published_at_idx', ['topic', 'publishedAt'])
@Index('metadata_name_published_at_idx', ['name', 'publishedAt'])
export class MetadataEntity extends RecordColumns {
  @Column('jsonb')
  data!: unknown;

  @Column('timestamptz', { name: 'stored_at', default: () => 'now()' })
  storedAt!: Date;
}
