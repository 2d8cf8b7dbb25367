import { serverUrl } from '../harness/test-database.js';
import { requirement } from './requirement.js';

/**
 * `describe` for tests that need a real server (a TCP proxy, locks from
 * another session). Jest's alone: made when imported, it needs Jest's globals.
 */
export const describeOnServer = requirement(
  'a PostgreSQL server',
  serverUrl !== undefined,
  'set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test; .ci/run runs npm test both ways',
  { optionalInCi: true },
).describe;
