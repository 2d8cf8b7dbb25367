import { DataSource } from 'typeorm';

/**
 * `getDataSourceToken(name)` of @nestjs/typeorm, without importing it: it is
 * an optional peer dependency. A test checks both give the same token.
 */
export function typeOrmDataSourceToken(name: string): typeof DataSource | string {
  return name === 'default' ? DataSource : `${name}DataSource`;
}
