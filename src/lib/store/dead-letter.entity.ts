import { Column, Entity, PrimaryColumn } from 'typeorm';
import { RecordColumns } from './record-columns.js';

/**
 * A record a sink refused for good (a "poison row"), with the reason and the
 * sink: table `metadata_dead_letter`. Its columns take whatever the record
 * held, since the refusal may be about any field: `id` is text (a record
 * from another program may have an id that is no UUID), `data` JSON text,
 * and `publishedAt` is null when the record's time is not one PostgreSQL
 * holds (the reason says why). A NUL character, which no text column can
 * hold, is kept as the six characters `\u0000`.
 */
@Entity({ name: 'metadata_dead_letter' })
export class DeadLetterEntity extends RecordColumns {
  @PrimaryColumn('text')
  id!: string;

  /** `store` (the database refused it) or the name of the connector that did. */
  @PrimaryColumn('text', { default: 'store' })
  sink!: string;

  @Column('text')
  data!: string;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt!: Date | null;

  @Column('text')
  reason!: string;

  @Column('timestamptz', { name: 'failed_at', default: () => 'now()' })
  failedAt!: Date;
}
