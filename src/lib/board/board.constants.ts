/** The bounds of the board's JSON responses, whatever the table holds. */
export const boardLimits = {
  /** Records per page of the table, unless asked for fewer or more. */
  pageSize: 50,
  /** The most records per page. */
  maxPageSize: 100,
  /** Characters of `data` as JSON shown per record in the table; the detail view has it all. */
  dataPreviewLength: 500,
  /** Time buckets a chart spans. */
  buckets: 200,
  /** Points in one chart, over all its lines. */
  maxPoints: 1_000,
  /** Names offered for a chart. */
  maxNames: 200,
  /** Numeric keys of `data` offered for a chart. */
  maxFields: 50,
  /** Runs per page of a task's run list, unless asked for fewer or more. */
  runsPageSize: 50,
  /** The most runs per page. */
  maxRunsPageSize: 200,
} as const;

/** The board's controller class, made per mount: the module applies its middleware to it. */
export const BOARD_CONTROLLER = Symbol('metaqueue:board-controller');
