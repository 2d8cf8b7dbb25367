// Merges spooled family files into their series on a thread of its own: a
// 64 MiB family took about a second of one synchronous call, which on the
// app's thread held its event loop that long at every rotation. The live
// spool's batches are taken in as they are written, so a join has only its
// output left to write. Plain JavaScript: a worker loads a file as it is.
// SeriesMergeThread (series-merge-thread.ts) is the other end.
import { readFile, stat } from 'node:fs/promises';
import { writeSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { FamilySeries } from './series-merge.mjs';

/** How series merge: `SeriesMerge`, from the thread's start. */
const merge = workerData;

/** Family files of live spools, taken in batch by batch, with the bytes they were given. */
const live = new Map();

const messages = {
  /** A batch appended to a family file, as its lines. */
  appended({ file, bytes }) {
    liveFamily(file, bytes.length).series.add(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
    );
  },
  /** A batch of `bytes` bytes appended to a family file, as numbers. */
  numbered({ file, bytes, batch }) {
    const family = liveFamily(file, bytes);
    // A thread started after the file did never got its first series: the join reads the file.
    family.missed ||= !family.series.addNumbered(batch);
  },
  /** A spool moved aside as a rotation: its families go with it. */
  moved({ from, to }) {
    for (const [file, family] of [...live]) {
      if (dirname(file) !== from) continue;
      live.delete(file);
      live.set(join(to, relative(from, file)), family);
    }
  },
  /** A spool gone or started afresh: what was taken in of it is of no use. */
  dropped({ dir }) {
    for (const file of [...live.keys()]) if (dirname(file) === dir) live.delete(file);
  },
};

/** The live family file `file`, counting `bytes` more of it taken in. */
function liveFamily(file, bytes) {
  let family = live.get(file);
  if (!family) live.set(file, (family = { series: new FamilySeries(merge), bytes: 0 }));
  family.bytes += bytes;
  return family;
}

/** Writes the family file `file` merged into its series to `fd`; resolves to how many samples merged. */
async function mergeInto({ file, fd }) {
  const family = live.get(file);
  live.delete(file);
  // What was taken in stands for the file only if it is all of it: else (a thread started
  // after the spool did, a spool an earlier run left) the file is read.
  const series =
    family && !family.missed && family.bytes === (await stat(file)).size
      ? family.series
      : new FamilySeries(merge).add(await readFile(file));
  return series.render((chunk) => {
    for (let written = 0; written < chunk.length;) {
      written += writeSync(fd, chunk, written, chunk.length - written);
    }
  });
}

parentPort.on('message', async (message) => {
  if (message.id === undefined) return messages[message.kind](message);
  try {
    parentPort.postMessage({ id: message.id, result: await mergeInto(message) });
  } catch (error) {
    // A file system error's code and path are its own: they cross the thread as they are.
    parentPort.postMessage({ id: message.id, error: { ...error, message: error.message } });
  }
});
