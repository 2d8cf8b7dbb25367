// The TypeORM DataSource the TypeORM CLI uses (migrations arrive with the store).
import { DataSource } from 'typeorm';

export default new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL,
});
