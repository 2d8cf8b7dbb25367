import type { StoreOptions } from '../lib/index.js';

/**
 * The example's store, shared by `npm start` and `npm run serve`: a
 * PostgreSQL server if DATABASE_URL names one, else embedded PGlite in
 * `./.metaqueue/pglite`, kept from one run to the next. `npx metaqueue
 * records` finds it the same way.
 */
export const exampleStore: StoreOptions = process.env.DATABASE_URL
  ? { url: process.env.DATABASE_URL }
  : {};
