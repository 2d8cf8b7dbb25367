// The DataSource the TypeORM CLI uses to run metaqueue's migrations:
//   DATABASE_URL=postgres://... npm run migration:run
import { DataSource } from 'typeorm';
import { storeDataSourceOptions } from './src/lib/index.js';

export default new DataSource({
  ...storeDataSourceOptions,
  url: process.env.DATABASE_URL ?? 'postgres://metaqueue:metaqueue@localhost:5432/metaqueue',
});
