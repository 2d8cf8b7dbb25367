import type { NumberedBatch, SeriesMerge } from './series-merge.interface.js';

/** See series-merge.mjs. */
export class FamilySeries {
  constructor(merge: SeriesMerge);
  add(spooled: Buffer): this;
  addNumbered(batch: NumberedBatch): boolean;
  render(write: (chunk: Uint8Array) => void): number;
}
