import { Column, Entity } from 'typeorm';
import { RecordColumns } from './record-columns.js';

/**
 * A record the database refused (a "poison row"), with the reason: table
 * `metadata_dead_letter`. `data` is kept as JSON text, since the refusal may
 * be about the data itself.
 */
@Entity({ name: 'metadata_dead_letter' })
export class DeadLetterEntity extends RecordColumns {
  @Column('text')
  data!: string;

  @Column('text')
  reason!: string;

  @Column('timestamptz', { name: 'failed_at', default: () => 'now()' })
  failedAt!: Date;
}
