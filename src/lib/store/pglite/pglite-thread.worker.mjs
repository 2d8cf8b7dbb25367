// The embedded database on a thread of its own, so that its work (WebAssembly,
// and synchronous file system calls) runs beside the app's event loop, not on
// it. Plain JavaScript: a worker loads a file as it is, from the sources in
// tests as from the built package. PGliteThread (pglite-thread.ts) is the
// other end.
import { PGlite } from '@electric-sql/pglite';
import { parentPort, workerData } from 'node:worker_threads';

const db = await PGlite.create(workerData.dataDir);
parentPort.postMessage({ ready: true });

const requests = {
  query: ({ sql, params }) => db.query(sql, params),
  exec: ({ sql }) => db.exec(sql),
  // COPY ... FROM '/dev/blob' reads the blob given with the query.
  copy: async ({ sql, bytes }) => {
    await db.query(sql, [], { blob: new Blob([bytes]) });
  },
  close: () => db.close(),
};

parentPort.on('message', async (request) => {
  try {
    const result = await requests[request.kind](request);
    parentPort.postMessage({ id: request.id, result });
  } catch (error) {
    // A DatabaseError's fields (code, detail, ...) are its own: they cross the thread as they are.
    parentPort.postMessage({ id: request.id, error: { ...error, message: error.message } });
  }
  if (request.kind === 'close') parentPort.close();
});
