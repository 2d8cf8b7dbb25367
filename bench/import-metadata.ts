/** The metadata a nightly import's task publishes, the benchmarks' usual record. */
export const importMetadata = (i: number) => ({
  data: { rows: i, table: 'customers', ok: true },
  name: 'rows_imported',
  location: 'db://warehouse/customers',
  context: 'nightly import',
});
