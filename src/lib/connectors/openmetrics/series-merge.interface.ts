import type { OpenMetricsMergeRule } from './openmetrics-file-options.interface.js';

/** How one family's spooled samples become the file's series. */
export interface SeriesMerge {
  rule: OpenMetricsMergeRule;
  /** Keep the `id` label the spool puts first (it is one of the series' labels). */
  keepId: boolean;
}

/**
 * A batch of one family file's samples as numbers (see `SeriesNumbers`):
 * what the merge thread takes in rather than the batch's lines.
 */
export interface NumberedBatch {
  /** The file's TYPE line and its newline, if the batch starts the file. */
  header?: string;
  /** The number of the first of `keys`: how many series earlier batches told. */
  firstKey: number;
  /** The keys of the series first numbered since the last batch, in number order. */
  keys: Uint8Array[];
  /** Three numbers a sample, in the order written: series number, millisecond, value. */
  samples: Float64Array<ArrayBuffer>;
}
