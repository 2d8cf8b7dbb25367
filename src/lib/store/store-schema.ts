import { DeadLetterEntity } from './dead-letter.entity.js';
import { MetadataEntity } from './metadata.entity.js';
import { CreateMetadataTables1764400000000 } from './migrations/1764400000000-create-metadata-tables.js';

/** The store's entities: for `TypeOrmModule.forFeature()`, or a DataSource's `entities`. */
export const metaqueueEntities = [MetadataEntity, DeadLetterEntity];

/** The store's migrations, in order: for a DataSource's `migrations` and its migration CLI. */
export const metaqueueMigrations = [CreateMetadataTables1764400000000];
