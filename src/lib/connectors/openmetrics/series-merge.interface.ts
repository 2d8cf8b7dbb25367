import type { OpenMetricsMergeRule } from './openmetrics-file-options.interface.js';

/** How one family's spooled samples become the file's series. */
export interface SeriesMerge {
  rule: OpenMetricsMergeRule;
  /** Keep the `id` label the spool puts first (it is one of the series' labels). */
  keepId: boolean;
}
