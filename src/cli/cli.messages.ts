/**
 * Every text the `metaqueue` command shows, in one place: its errors, its
 * notices on stderr, and the sentences of its reports; plurals are spelled
 * out in each, so that a page quoting one is checked word for word
 * (test/readme/api-reference.spec.ts). The library's own
 * messages (src/lib/metaqueue.messages.ts) pass through as they are, but for
 * the query parser's, which name query parameters where the CLI has options.
 */
import type { LogPosition } from '../lib/buffer/disk/log-position.js';
import type { OpenMetricsFileStats, OpenMetricsMergeRule } from '../lib/index.js';

/** What an export in series did besides writing, and by which rule it merged. */
type SeriesStats = OpenMetricsFileStats & { merge: OpenMetricsMergeRule };

export const cliMessages = {
  // Arguments
  seeHelp: (command: string) => `Run "${command} --help" for its options.`,
  /** The query parser's message with each `Query parameter 'x'` told as the option `--x`. */
  badOption: (parserMessage: string) =>
    parserMessage.replace(/Query parameter '(\w+)'/g, (_, name: string) => `--${name}`),
  unexpected: () =>
    'Unexpected failure, a fault in metaqueue: please report it with the lines below.',

  // Where records are read
  noEmbeddedStore: (dataDir: string) =>
    `There is no embedded store in ${dataDir} (no PGlite database there). Run the app once to make it, give --pglite-dir the app's store.pglite.dataDir, or read a server with --database-url or --url.`,
  storeHeld: (dataDir: string, pid: number, lockPath: string, tried: string) =>
    `The embedded store ${dataDir} is open in process ${pid} (lock ${lockPath}), and PGlite gives a directory to one process at a time: it was not opened. Nothing answered GET /metadata at ${tried} (the example server's address, from PORT). Read through that process's HTTP API with --url http://host:port, where its MetadataController is mounted, or stop it and run this again.`,
  readingThrough: (dataDir: string, pid: number, url: string) =>
    `The embedded store ${dataDir} is open in process ${pid}: reading through its server at ${url} instead.`,
  storeUnavailable: (target: string, reason: string) => `Cannot read ${target}: ${reason}.`,
  noMetadataTable: (target: string) =>
    `${target} has no table "metadata": no metaqueue app has stored records there yet (the app's migrations make the table at its start). Check the database named, or start the app once.`,
  invalidUrl: (url: string) =>
    `--url ${JSON.stringify(url)} is not an http:// or https:// URL: give the app's address, such as http://localhost:3000.`,
  serverUnreachable: (url: string, reason: string) =>
    `Cannot reach ${url}: ${reason}. Is the app running, with its MetadataController mounted there?`,
  serverRefused: (url: string, status: number, reason: string) =>
    `${url} answered ${status}: ${reason}`,
  notAMetadataPage: (url: string) =>
    `${url} did not answer with a page of records ({ items, nextCursor }): point --url at the app's address, where MetadataController serves GET /metadata.`,

  // records
  recordsFrom: (source: string, order: 'newest' | 'oldest') =>
    `Records in ${source}, ${order} first:`,
  recordsCount: (count: number, nextCursor: string | null) =>
    `${count} record${count === 1 ? '' : 's'}` +
    (nextCursor ? `; the next page: add --cursor ${nextCursor}` : ''),

  // export openmetrics
  cannotWrite: (out: string, reason: string) =>
    `Cannot write ${out}: ${reason}. Give --out a file in a directory that exists and that this user may write.`,
  exported: (records: number, from: string, to: string, out: string, inSeries?: SeriesStats) =>
    `${inSeries ? 'Exported' : 'Wrote'} ${records} record${records === 1 ? '' : 's'} published from ${from} to ${to} to ${out}` +
    (inSeries
      ? ` in series: ${inSeries.samplesMerged} merged into a sample of their series and millisecond (--merge ${inSeries.merge}), ${inSeries.recordsNotWritten} not written (data not a number; it stays in the store).`
      : '.'),
  badLabels: (given: string, allowed: readonly string[]) =>
    `${JSON.stringify(given)} is not a list of labels: give distinct ones of ${allowed.join(', ')}, separated by commas.`,

  // buffer inspect, buffer verify
  noSuchDirectory: (path: string) =>
    `${path} does not exist: give the directory of a disk buffer (buffer.path in MetaqueueModule.forRoot).`,
  notABuffer: (path: string) =>
    `${path} holds no disk buffer: no segment (*.seg) and no ledger.json. Give the directory the app's buffer.path names.`,
  bufferInUse: (lockPath: string, pid: number) =>
    `In use by process ${pid} (lock ${lockPath}): the log may change while it is read; nothing was locked or changed.`,
  bufferStaleLock: (lockPath: string, pid: number) =>
    `The lock ${lockPath} names process ${pid}, which is gone (a crash or a kill): the next start takes it over.`,
  bufferFree: () => 'No process holds it.',
  corruptStretch: (segment: string, offset: number, bytes: number) =>
    `corrupt: ${segment} at byte ${offset}, ${bytes} byte${bytes === 1 ? '' : 's'} up to the next whole record; the reader skips them.`,
  tornEnd: (segment: string, offset: number, bytes: number) =>
    `torn end: ${segment} at byte ${offset}, ${bytes} byte${bytes === 1 ? '' : 's'} of a write a crash cut short (its publish never resolved); the next start cuts them. Not damage.`,
  refusedSegment: (reason: string) => `unreadable segment: ${reason}`,
  ledgerProblem: (reason: string) => `ledger: ${reason}`,
  sinkAhead: (ledger: string, sink: string, at: LogPosition) =>
    `ledger: ${ledger} puts sink ${sink} at segment ${at.segment} byte ${at.offset}, past the end of the log; at the next start it reads on from the end.`,
  noLedger: (records: number) =>
    `No sink has acknowledged a record yet (no ledger.json): all ${records} record${records === 1 ? '' : 's'} are pending for every sink.`,
  bufferSummary: (segments: number, bytes: number, records: number) =>
    `${segments} segment${segments === 1 ? '' : 's'}, ${bytes} byte${bytes === 1 ? '' : 's'}, ${records} whole record${records === 1 ? '' : 's'}.`,
  noDamage: (path: string) => `No damage found in the disk buffer ${path}.`,
  damageFound: (path: string, places: number) =>
    `${places} damaged place${places === 1 ? '' : 's'} in the disk buffer ${path}.`,
} as const;
