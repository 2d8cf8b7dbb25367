/** The query of a chart, as GET <path>/api/series takes it. */
export interface BoardSeriesQuery {
  /** The name whose data is drawn: required. */
  name: string;
  topic?: string;
  location?: string;
  context?: string;
  /** As in `MetadataQuery`; when absent, the span of the name's records. */
  from?: string;
  to?: string;
  /** JSON that `data` must contain. */
  data?: string;
  /** The key of `data` to draw when `data` is an object; the first numeric key by default. */
  field?: string;
}

/** One bucket: `[start (ms since the epoch), count, min, avg, max]`. */
export type BoardPoint = [number, number, number, number, number];

/** What GET <path>/api/series returns: one line per location. */
export interface BoardSeries {
  name: string;
  /** The key of `data` drawn, or `null` when `data` is a number. */
  field: string | null;
  /** Keys of `data` that hold numbers, in the name's newest record. */
  fields: string[];
  from: string | null;
  to: string | null;
  bucketMs: number;
  lines: { location: string; points: BoardPoint[] }[];
  /** Whether points were left off to keep the response bounded. */
  truncated: boolean;
}

/** What GET <path>/api/names returns. */
export interface BoardNames {
  names: string[];
  truncated: boolean;
}
