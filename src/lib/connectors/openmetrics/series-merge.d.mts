import type { MergedFamily, SeriesMerge } from './series-merge.interface.js';

/** See series-merge.mjs. */
export function mergeSeries(spooled: string, merge: SeriesMerge): MergedFamily;
