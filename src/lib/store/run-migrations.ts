import { type DataSource, MigrationExecutor } from 'typeorm';

/** PostgreSQL's advisory lock key for metaqueue's migrations: 'mq' and a version, any constant would do. */
const migrationLockKey = 0x6d710001;

/**
 * Runs the pending migrations, one process at a time: replicas that start
 * together on a fresh database would otherwise race on the same tables and
 * the partition move (TypeORM takes no lock of its own). The lock and the
 * migrations share one connection, so a pool of one is enough.
 */
export async function runPendingMigrations(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    await executor.executePendingMigrations();
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]).catch(() => undefined);
    await runner.release();
  }
}
