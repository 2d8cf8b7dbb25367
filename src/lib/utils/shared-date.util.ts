import { errorMessages } from '../metaqueue.messages.js';

/**
 * A Date whose setters throw, so that the records stamped in one millisecond
 * can share it as their `publishedAt`. A Date is 115 bytes, kept alive by
 * every queued record until its batch is written: shared, the collector
 * copies 40% less of each record (docs/benchmarks.md).
 */
class SharedDate extends Date {}

for (const method of Object.getOwnPropertyNames(Date.prototype)) {
  if (!method.startsWith('set')) continue;
  Object.defineProperty(SharedDate.prototype, method, {
    value(): never {
      throw new TypeError(errorMessages.sharedDateChanged(method));
    },
  });
}

let lastMs = NaN;
let last: Date = new SharedDate(NaN);

/** The Date of `ms`, the same one for every call with `ms` until a call with another. */
export function sharedDate(ms: number): Date {
  if (ms !== lastMs) {
    lastMs = ms;
    last = new SharedDate(ms);
  }
  return last;
}
