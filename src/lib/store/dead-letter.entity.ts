import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A record the database refused (a "poison row"), with the reason: table
 * `metadata_dead_letter`. `data` is kept as JSON text, since the refusal may
 * be about the data itself.
 */
@Entity({ name: 'metadata_dead_letter' })
export class DeadLetterEntity {
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

  @Column('text')
  data!: string;

  @Column('timestamptz', { name: 'published_at' })
  publishedAt!: Date;

  @Column('text')
  reason!: string;

  @Column('timestamptz', { name: 'failed_at', default: () => 'now()' })
  failedAt!: Date;
}
