import { Column, Entity, PrimaryColumn } from 'typeorm';
import { RecordColumns } from './record-columns.js';

/**
 * A record a sink refused for good (a "poison row"), with the reason and the
 * sink: table `metadata_dead_letter`. `data` is kept as JSON text, since the
 * refusal may be about the data itself.
 */
@Entity({ name: 'metadata_dead_letter' })
export class DeadLetterEntity extends RecordColumns {
  /** `store` (the database refused it) or the name of the connector that did. */
  @PrimaryColumn('text', { default: 'store' })
  sink!: string;

  @Column('text')
  data!: string;

  @Column('text')
  reason!: string;

  @Column('timestamptz', { name: 'failed_at', default: () => 'now()' })
  failedAt!: Date;
}
