import { DeadLetterEntity } from './dead-letter.entity.js';
import { MetadataEntity } from './metadata.entity.js';
import { TaskRunEntity } from './task-run.entity.js';
import { CreateMetadataTables1764400000000 } from './migrations/1764400000000-create-metadata-tables.js';
import { DeadLetterSink1764500000000 } from './migrations/1764500000000-dead-letter-sink.js';
import { AddBoardIndexes1764600000000 } from './migrations/1764600000000-add-board-indexes.js';
import { DeadLetterAnyRecord1764700000000 } from './migrations/1764700000000-dead-letter-any-record.js';
import { PartitionMetadata1764800000000 } from './migrations/1764800000000-partition-metadata.js';
import { TaskRuns1764900000000 } from './migrations/1764900000000-task-runs.js';
import { LocationPrefixIndex1765000000000 } from './migrations/1765000000000-location-prefix-index.js';

/** The store's entities: for `TypeOrmModule.forFeature()`, or a DataSource's `entities`. */
export const metaqueueEntities = [MetadataEntity, DeadLetterEntity, TaskRunEntity];

/** The store's migrations, in order: for a DataSource's `migrations` and its migration CLI. */
export const metaqueueMigrations = [
  CreateMetadataTables1764400000000,
  DeadLetterSink1764500000000,
  AddBoardIndexes1764600000000,
  DeadLetterAnyRecord1764700000000,
  PartitionMetadata1764800000000,
  TaskRuns1764900000000,
  LocationPrefixIndex1765000000000,
];
