const name = 'rows_imported';
const location = 'db://warehouse/customers';
const context = 'nightly import';

/** The metadata a nightly import's task publishes, the benchmarks' usual record. */
export const importMetadata = (i: number) => ({
  data: { rows: i, table: 'customers', ok: true },
  name,
  location,
  context,
});

/**
 * The same import's row count alone: a number, so the OpenMetrics file, in
 * series, renders a sample of it (an object renders none), as it does for
 * the metrics an app publishes.
 */
export const importRowCount = (i: number) => ({
  data: 1_000 + (i % 1_000),
  name,
  location,
  context,
});
