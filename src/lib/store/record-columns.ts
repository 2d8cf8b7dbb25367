import { Column, PrimaryColumn } from 'typeorm';

/** The columns a stored record and a dead letter share. */
export abstract class RecordColumns {
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

  @Column('timestamptz', { name: 'published_at' })
  publishedAt!: Date;
}
