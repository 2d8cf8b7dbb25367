import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * Writes COPY data into a `COPY … FROM STDIN` stream as it is built, waiting
 * for the socket when it is full, and resolves once the server has it all.
 * Not `pipeline(Readable.from(chunks), stream)`: at 20,000 records/s in
 * batches of 500, that kept about 1.8 MB of batches reachable at each
 * young-generation collection, which then copied it to the old one, pausing
 * the app 4 to 13 ms each time; written this way 0.03 MB, 1.3 to 1.4 ms
 * (docs/benchmarks.md).
 */
export async function sendCopy(stream: Writable, chunks: AsyncIterable<Buffer>): Promise<void> {
  const done = finished(stream);
  // A refused row fails the stream while the rest is still being written; pg-copy-streams
  // emits the error and lets go of the connection, so nothing more may be written to it.
  let failed = false;
  done.catch(() => (failed = true));
  for await (const chunk of chunks) {
    if (failed) break;
    if (!stream.write(chunk)) await Promise.race([drained(stream), done]);
  }
  if (!failed) stream.end();
  await done;
}

/** Never rejects: a stream that fails instead is `finished()`'s to report. */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => stream.once('drain', resolve));
}
