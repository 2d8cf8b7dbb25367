// Joins spooled family files into their series on a thread of its own: a
// 64 MiB family took about a second of one synchronous call, which on the
// app's thread held its event loop that long at every rotation. Plain
// JavaScript: a worker loads a file as it is. SeriesMergeThread
// (series-merge-thread.ts) is the other end.
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { mergeSeries } from './series-merge.mjs';

parentPort.on('message', async ({ id, file, merge }) => {
  try {
    const { text, merged } = mergeSeries(await readFile(file, 'utf8'), merge);
    // Bytes of their own, handed over whole: no copy back to the app's thread.
    const bytes = new TextEncoder().encode(text);
    parentPort.postMessage({ id, result: { bytes, merged } }, [bytes.buffer]);
  } catch (error) {
    // A file system error's code and path are its own: they cross the thread as they are.
    parentPort.postMessage({ id, error: { ...error, message: error.message } });
  }
});
