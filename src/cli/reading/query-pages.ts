import type { MetadataQuery } from '../../lib/index.js';
import { routeLibraryLogs } from '../cli-logger.js';
import type { SourceOptions } from './open-record-pages.js';
import type { RecordPages } from './record-pages.interface.js';

/**
 * Checks `query`, then opens where the records are read (`openRecordPages`),
 * its notices on stderr. The library (Nest, TypeORM, the drivers) loads only
 * here, so that --help and the buffer commands start without it.
 */
export async function openQueryPages(
  query: MetadataQuery,
  options: SourceOptions,
): Promise<RecordPages> {
  const [{ checkQuery }] = await Promise.all([import('./check-query.js'), routeLibraryLogs()]);
  // Bad input is refused before anything is opened, or even loaded.
  checkQuery(query);
  const { openRecordPages } = await import('./open-record-pages.js');
  return openRecordPages(options, (line) => process.stderr.write(`${line}\n`));
}
