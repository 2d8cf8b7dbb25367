import { Column } from 'typeorm';

/** The text columns a stored record and a dead letter share. */
export abstract class RecordColumns {
  @Column('text')
  topic!: string;

  @Column('text')
  name!: string;

  @Column('text')
  location!: string;

  @Column('text')
  context!: string;
}
