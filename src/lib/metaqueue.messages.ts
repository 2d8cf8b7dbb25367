/**
 * Every text metaqueue shows a user, in one place, grouped by where it goes:
 * the messages of thrown errors, log lines, and HTTP responses.
 */
import type { MetadataRecord } from './record/metadata.interface.js';

const noPermission =
  'The user running metaqueue may not use it: give that user read and write permission on it, and search permission on the directories above it, or choose another path.';

/** A command Redis refused on a stream (the buffer's `StreamRefusal`, which sits above this file). */
interface StreamRefusal {
  stream: string;
  command: 'append' | 'create-group';
  code: string;
  reason: string;
}

/** What to do about a refusal from Redis, by its error code. */
const redisRefusalRemedies: Record<string, string> = {
  OOM: "Redis is at maxmemory with maxmemory-policy noeviction: let the workers catch up (entries are trimmed once every group has them), raise maxmemory, or lower the buffer's maxLen",
  NOPERM:
    "the connection's ACL user may not run a command metaqueue needs: grant it EVAL and EVALSHA (+@scripting) and the stream commands (+@stream) on keys under the stream prefix",
  WRONGTYPE:
    'the key holds another type than a stream: another program uses it; rename or delete that key, or give the buffer another streamPrefix',
};

/** What Redis refused on which stream, in Redis's words, and what to do: "refused to …". */
const redisRefusal = ({ stream, command, code, reason }: StreamRefusal) =>
  `refused to ${command === 'append' ? 'append to' : 'make the consumer groups of'} stream ${stream} (${reason})` +
  (redisRefusalRemedies[code] ? `: ${redisRefusalRemedies[code]}` : '');

/**
 * An option's value as a message shows it: JSON for plain data, else what it
 * is (a class, a function, an instance by its class), which JSON cannot say.
 */
const shownOption = (value: unknown): string => {
  if (typeof value === 'function') {
    const kind = Function.prototype.toString.call(value).startsWith('class') ? 'class' : 'function';
    return `${kind} ${value.name || '(anonymous)'}`;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    // A module namespace (import * as x) has a tag; a plain object neither tag nor class.
    const tag = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
    const kind =
      typeof tag === 'string' ? tag : proto === Object.prototype ? '' : proto?.constructor?.name;
    if (kind) return `a ${kind}`;
  }
  try {
    // JSON has no undefined nor symbol.
    return JSON.stringify(value) ?? (typeof value === 'symbol' ? value.toString() : 'undefined');
  } catch {
    return typeof value === 'bigint' ? `${value}n` : 'an object with a cycle';
  }
};

/** Messages of the errors metaqueue throws; each says what was wrong and what to do. */
export const errorMessages = {
  sharedDateChanged: (method: string) =>
    `A record's publishedAt is shared by the records of its millisecond and cannot be changed (${method}): copy it first, new Date(record.publishedAt).`,
  invalidReadOption: (name: string, value: unknown) =>
    `reads.${name} must be a positive integer, not ${JSON.stringify(value)}.`,
  storeSchemaMismatch: (reason: string) =>
    `The metadata table does not match metaqueue's migrations (${reason}). Records are kept and retried: restore the table, or run the migrations.`,
  // Configuration, at startup
  invalidOption: (owner: string, option: string, value: unknown, expected: string) =>
    `Invalid ${owner} option ${option}=${shownOption(value)}: expected ${expected}.`,
  unknownDataType: (dtype: unknown, names: string[]) =>
    `Unknown dtype ${JSON.stringify(String(dtype))}: use one of ${names.map((n) => `'${n}'`).join(', ')}, a class or a predicate.`,
  invalidTopic: (topic: unknown, maxLength: number) =>
    `Invalid topic ${JSON.stringify(String(topic))}: a topic is a non-empty string (a string enum member or a plain string) of at most ${maxLength} characters, with no NUL character (\\u0000), which PostgreSQL cannot store.`,
  reservedTopic: (topic: string) =>
    `Topic '${topic}' is metaqueue's own (the task run records): choose another name, or set recordRuns: false.`,
  duplicateTopic: (topic: string) =>
    `Topic '${topic}' is declared more than once in MetaqueueModule.forRoot(): declare each topic once.`,
  topicConfig: (topic: string, problem: string) => `Topic '${topic}': ${problem}`,
  unknownTopic: (topic: string, declared: string[]) =>
    `Topic '${topic}' was never declared: declare it in MetaqueueModule.forRoot({ topics }) (declared: ${declared.map((t) => `'${t}'`).join(', ') || 'none'}).`,
  missingAsyncFactory: () =>
    'MetaqueueModule.forRootAsync() needs one of useFactory, useClass or useExisting.',
  invalidStoreUrl: () =>
    'The store url is not a valid URL (it is not shown: it may hold a password). Percent-encode reserved characters in the user name and password, e.g. # as %23 and @ as %40.',
  pgliteInMemoryWithDataDir: () =>
    'store.pglite has both inMemory: true and a dataDir: keep dataDir to keep the records on disk, or inMemory alone.',
  pgliteInUse: (dataDir: string, pid: number, lockPath: string) =>
    `The embedded PGlite directory ${dataDir} is open in process ${pid} (lock ${lockPath}): PGlite gives a directory to one process at a time. Read the records through that process (GET /metadata, or npx metaqueue records --url), stop it first, or give this process a pglite.dataDir of its own.`,
  seriesMergeThreadStopped: () =>
    "The OpenMetrics file's series-merge thread stopped while it joined a spool into a file: the spool is kept whole, and a later join (the next start takes up a spool left aside) starts a new thread.",
  pgliteThreadStopped: () =>
    'The embedded PGlite database stopped: its thread ended (see the error logged before this one, if any). Restart the app to open it again.',
  invalidRedisUrl: () =>
    "The Redis buffer's url is not a redis:// or rediss:// URL (it is not shown: it may hold a password).",
  roleNeedsSharedBuffer: (role: string) =>
    `broker.role '${role}' needs a buffer the fleet shares: set buffer: { type: 'redis', url }.`,
  invalidConnector: (registration: string) =>
    `Invalid connector ${registration}: give a class, an object with write(records), or { useFactory }.`,
  reservedSinkName: (name: string) =>
    `A connector is named '${name}', the store's name among the sinks: give it another name.`,
  appDataSourceNotInjected: () =>
    'store: { typeormDataSource } works with MetaqueueModule.forRoot(); with forRootAsync(), inject the DataSource (inject: [getDataSourceToken()]) and return store: { dataSource }.',
  appDataSourceNotPostgres: (type: string) =>
    `The store's DataSource is of type '${type}': metaqueue stores into PostgreSQL only. Give a DataSource of type 'postgres', or let metaqueue open its own store.`,
  appDataSourceNotInitialized: () =>
    "The store's DataSource is not initialized: call dataSource.initialize() before the module starts (TypeOrmModule does).",
  appDataSourceWithoutTables: () =>
    "The application's DataSource has no tables metadata and metadata_dead_letter: add metaqueue's migrations (metaqueueMigrations) to its migrations and run them.",
  metricsNamesTaken: (names: string[]) =>
    `Cannot register metaqueue's metrics in the application's registry (metrics.registry): it already has ${names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more of their names` : names.join(', ')}. Another MetaqueueModule in this process registered them and is still running (close its application with app.close() before creating the next), or the application has metrics of these names (rename them). Two applications that run at once need a registry each.`,
  metricsControllerWithAppRegistry: () =>
    "MetricsController serves metaqueue's own registry, but metrics.registry puts metaqueue's series in the application's registry, which the application's own endpoint serves: remove MetricsController from controllers (or leave out metrics.registry to keep metaqueue's endpoint).",
  fileNotWritable: (path: string, reason: string) =>
    `Cannot write the OpenMetrics file ${path}: ${reason}. Choose a path in a writable directory.`,
  fileNotFinished: (path: string, spool: string, reason: string) =>
    `Could not finish the OpenMetrics file ${path}: ${reason}. Its records are kept in ${spool} and go into the file at the next start, once ${path} can be written.`,
  fileInUse: (path: string, pid: number, lockPath: string) =>
    `The OpenMetrics file ${path} is already written by process ${pid} (lock ${lockPath}): give each application, or each instance, a path of its own.`,
  bufferNotWritable: (path: string, reason: string, remedy: string) =>
    `Cannot use the disk buffer directory ${path}: ${reason}. ${remedy}`,
  bufferCannotOpen: (path: string, reason: string, remedy: string) =>
    `Cannot open the disk buffer in ${path}: ${reason}. ${remedy}`,
  bufferSegmentNotAFile: (segment: string) =>
    `${segment} is not a file, where the disk buffer keeps a segment: move it out of the buffer directory, then start again.`,
  bufferLocked: (path: string, pid: number) =>
    `The disk buffer directory ${path} is in use by process ${pid}: give each process a buffer path of its own.`,
  lockUnusable: (lockPath: string, reason: string, remedy: string) =>
    `Cannot use the lock file ${lockPath}: ${reason}. ${remedy}`,
  lockRemedy: () =>
    'It must be a file metaqueue can read and write: once no metaqueue process uses it, remove it (or give it back its permissions) and start again.',
  /** What to do about a path metaqueue cannot use, by the error's code; `fallback` for any other. */
  pathRemedy: (code: string | undefined, fallback: string) =>
    ({
      ENOSPC: 'The disk is full: free space on it, or choose a path on a disk with room.',
      EDQUOT:
        'The disk quota of the user running metaqueue is used up: free space, raise the quota, or choose a path on another disk.',
      EROFS:
        'The filesystem is mounted read-only: remount it read-write, or choose a path on a writable one.',
      EACCES: noPermission,
      EPERM: noPermission,
      ENOTDIR:
        'A part of the path is a file where a directory should be: move that file away, or choose another path.',
      EEXIST: 'It is a file, not a directory: move the file away, or choose another path.',
    })[code ?? ''] ?? fallback,
  bufferNotALog: (path: string) =>
    `${path} is not a metaqueue disk buffer segment: give the buffer a directory of its own.`,
  bufferVersion: (path: string, found: number, supported: readonly number[]) =>
    `${path} is in disk buffer format ${found}; this metaqueue reads format ${supported.join(' or ')}. Start the metaqueue version that wrote it to drain it, or move the directory away.`,

  // Publishing
  invalidMetadata: (topic: string, field: string, problem: string) =>
    `Cannot publish to topic '${topic}': ${field} ${problem}.`,
  wrongDataType: (topic: string, expected: string, received: string) =>
    `Cannot publish to topic '${topic}': data must be ${expected}, received ${received}.`,
  queueFull: (topic: string, capacity: number) =>
    `Queue of topic '${topic}' is full (capacity ${capacity}): raise bufferSize, or choose another overflow policy.`,
  publishTimeout: (topic: string, timeoutMs: number) =>
    `Queue of topic '${topic}' stayed full for ${timeoutMs} ms: the record was not published.`,
  bufferUnavailable: (topic: string) =>
    `Cannot publish to topic '${topic}': Redis cannot be reached, and the overflow policy is 'error'. Use 'block' (with blockTimeoutMs) to wait for it.`,
  bufferRefused: (topic: string, refusal: StreamRefusal) =>
    `Cannot publish to topic '${topic}': Redis ${redisRefusal(refusal)}. The overflow policy is 'error'; with 'block' (and blockTimeoutMs), publishes wait for Redis to accept appends again.`,
  engineClosed: (topic: string) =>
    `Cannot publish to topic '${topic}': the application is shutting down and its engines are closed.`,

  // Flushing
  flushTimeout: (timeoutMs: number) =>
    `flush() did not finish within ${timeoutMs} ms; it goes on in the background and keeps every record.`,
  shutdownDeadline: () =>
    'The shutdown deadline (shutdownTimeoutMs) passed while a write was being retried.',

  // Tasks
  taskWithoutRun: (className: string) =>
    `${className} is marked @MetaTask() but has no run() method: add an async run(...args).`,
  taskNotStatic: (className: string) =>
    `${className} is marked @MetaTask() but is request- or transient-scoped: tasks must be singletons.`,
  unknownTask: (task: string) =>
    `${task} is not a @MetaTask() provider of this application: mark it with @MetaTask() and list it in a module's providers.`,
  argsMismatch: (tasks: number, args: number) =>
    `TaskRunner.run() got ${tasks} tasks but ${args} argument lists: pass one array of arguments per task.`,
  argsNotArray: (task: string) => `TaskRunner.run(): the arguments for ${task} must be an array.`,
  taskTwoSchedules: (task: string) =>
    `@MetaTask ${task} has both cron and every: give one schedule.`,
  invalidCron: (task: string, cron: string, reason: string) =>
    `@MetaTask ${task} has cron ${JSON.stringify(cron)}, which is not a cron expression: ${reason}.`,
  scheduleNotInstalled: () =>
    'A @MetaTask has cron or every, which run through @nestjs/schedule: npm install @nestjs/schedule, and import ScheduleModule.forRoot().',
  scheduleModuleMissing: () =>
    'A @MetaTask has cron or every, which run through @nestjs/schedule: import ScheduleModule.forRoot() in the application (or set schedule: false).',
  invalidConcurrency: (value: unknown) =>
    `TaskRunner concurrency must be a positive integer, received ${JSON.stringify(value)}.`,

  // The board
  invalidBoardPath: (path: unknown) =>
    `Invalid board path ${JSON.stringify(String(path))}: give a path such as '/board' (a slash, then letters, digits, '-', '_', '.' or '/').`,
  boardNotReadOnly: () =>
    'MetaqueueBoardModule is read-only: it has no endpoint that changes anything, so readOnly can only be true.',
  boardWithoutMetaqueue: () =>
    'MetaqueueBoardModule found no MetaqueueModule in the application: import MetaqueueModule.forRoot() in a module of the application.',
} as const;

/** Lines metaqueue logs. A sink is the store ("store") or a connector, by name. */
export const logMessages = {
  staleLockTakenOver: (lockPath: string, pid: number | undefined) =>
    `Took over the lock ${lockPath}, left by ${pid === undefined ? 'a process it does not name' : `process ${pid}`}, which is gone (or is this process before a restart): the last run ended without closing, as a crash or a kill leaves it.`,
  stalledClient: (timeoutMs: number) =>
    `A client read nothing of its response for ${timeoutMs} ms (reads.stalledClientTimeoutMs): the response was cut and its query released.`,
  storeConnected: (target: string) => `Storing metadata in ${target}`,
  partitionCreated: (name: string, from: string, to: string, moved: number) =>
    `Made partition ${name} of table metadata for records published from ${from} to ${to}` +
    (moved > 0
      ? `, and moved into it the ${moved} records the default partition held for that span.`
      : '.'),
  partitionDropped: (name: string, to: string, horizon: string) =>
    `Dropped partition ${name} of table metadata: its records, all published before ${to}, are past the retention horizon (${horizon}). Counted in metaqueue_store_partitions_dropped_total.`,
  defaultRowsExpired: (count: number, topic: string | undefined, horizon: string) =>
    `Deleted ${count} records${topic === undefined ? '' : ` of topic ${topic}`} published before ${horizon} from the default partition of table metadata (store.retention): no partition covered their time. Counted in metaqueue_store_default_rows_expired_total.`,
  deadLettersExpired: (count: number, horizon: string) =>
    `Deleted ${count} dead letters that failed before ${horizon} (store.deadLetterRetention).`,
  taskRunsExpired: (count: number, horizon: string) =>
    `Deleted ${count} runs of scheduled tasks scheduled before ${horizon} from table metaqueue_task_runs (store.taskRunRetention).`,
  storeIndexChanged: (index: string, made: boolean) =>
    made
      ? `Made index ${index} on table metadata (store.indexes); on a large table this took a while, once.`
      : `Dropped index ${index} on table metadata: store.indexes no longer asks for it.`,
  storeMaintenanceFailed: (step: string, reason: string) =>
    `Store maintenance could not ${step}: ${reason}. It tries again at its next run (store.maintenanceIntervalMs); records keep flowing, into the default partition if theirs is missing.`,
  connectorOpened: (name: string) => `Also writing every stored record to ${name}`,
  storeInMemory: () =>
    'The store is embedded PGlite in memory (pglite.inMemory): its records are gone when the app stops. Set store.url (e.g. from DATABASE_URL) for a server, or leave out pglite.inMemory to keep them on disk.',
  embeddedStoreKept: (dataDir: string) =>
    `The records stay in ${dataDir} across restarts. To look at them: npx metaqueue records --pglite-dir ${dataDir} (through GET /metadata while the app serves it, --url), or MetadataQueryService; delete the directory, once no process has it open, to start empty.`,
  storeConnectRetry: (target: string, attempt: number, attempts: number, reason: string) =>
    `Cannot connect to ${target} (attempt ${attempt} of ${attempts}): ${reason}. Retrying.`,
  noSinks: () =>
    'store: false and no connectors: records stay in the queues until they are full, then the overflow policy applies.',
  sinkWriteFailed: (
    sink: string,
    records: number,
    attempt: number,
    retryInMs: number,
    reason: string,
  ) =>
    `Sink ${sink} failed to write ${records} records (attempt ${attempt}): ${reason}. They are kept; retrying in ${retryInMs} ms.`,
  sinkRecovered: (sink: string, records: number, attempts: number) =>
    `Sink ${sink} wrote ${records} records after ${attempts} attempts.`,
  sinkUnflushed: (
    sink: string,
    records: number,
    unconfirmed: number,
    timeoutMs: number,
    keptIn: string | undefined,
  ) =>
    `Sink ${sink} could not write ${records} accepted records within shutdownTimeoutMs (${timeoutMs} ms); ${keptIn ? `they stay in ${keptIn}, which delivers them to the sink after a restart` : 'they are lost'}: raise shutdownTimeoutMs, or check the sink.` +
    (unconfirmed > 0
      ? ` Of those, ${unconfirmed} were in writes under way: the sink may have them, if a write succeeded but its reply was lost.`
      : ''),
  sinkBacklogFull: (sink: string, records: number, maxBacklog: number) =>
    `Sink ${sink} is more than maxConnectorBacklog (${maxBacklog}) records behind: dropped its ${records} oldest.`,
  connectorRefused: (sink: string, id: string, reason: string) =>
    `Sink ${sink} refused record ${id} for good: ${reason}. It is in table metadata_dead_letter (sink '${sink}'); the rest of its batch is written.`,
  connectorRefusedLogged: (sink: string, reason: string, record: MetadataRecord) =>
    `Sink ${sink} refused a record for good: ${reason}. With no store to keep it, here it is: ${JSON.stringify({ ...record, json: undefined })}`,
  statementTimeout: (records: number, rowsPerStatement: number) =>
    `Storing ${records} records in one statement outlasted the server's statement_timeout: from now on, statements of at most ${rowsPerStatement} rows.`,
  spoolDeleted: (spool: string, records: number) =>
    `The OpenMetrics spool ${spool} was deleted while in use: the ${records} records written to it since it started are gone from the file. A new spool is started.`,
  spoolUnsettled: (spool: string, target: string, reason: string) =>
    `The OpenMetrics spool ${spool}, left by a crash, cannot be settled with the other workers now (${reason}): some of its records may be in another worker's file. It is kept as it is, and finished into ${target} once Redis answers (or at the next start).`,
  spoolStillUnsettled: (spool: string) =>
    `The OpenMetrics spool ${spool}, left by a crash, could not be settled with the other workers before shutdown: it is kept, and finished at the next start.`,
  connectorCloseFailed: (connector: string, reason: string) =>
    `Connector ${connector} failed to close: ${reason}`,
  shutdownFlushed: (
    sinks: { sink: string; flushed: number; written: number; unflushed: number }[],
    keptIn: string | undefined,
  ) => {
    const lost = sinks.filter((s) => s.unflushed > 0);
    // Totals first: one pass's figures alone differ by the records a sink had before it, and read as a loss.
    const totals = new Set(sinks.map((s) => s.written));
    const sinceStart =
      totals.size === 1
        ? `every sink has all ${sinks[0].written} records since start (${sinks.map((s) => s.sink).join(', ')})`
        : `since start, ${sinks.map((s) => `${s.written} records to ${s.sink}`).join(', ')}`;
    const lastPass = sinks.map((s) => `${s.flushed} to ${s.sink}`).join(', ');
    return `Final flush at shutdown: ${sinceStart}; this last pass wrote ${lastPass}; ${
      lost.length === 0
        ? 'nothing left unflushed.'
        : `unflushed (${keptIn ? `kept in ${keptIn} for a restart` : 'lost'}): ${lost.map((s) => `${s.unflushed} for ${s.sink}`).join(', ')}.`
    }`;
  },
  deadLettered: (records: number) =>
    `The database refused ${records} records: they are in table metadata_dead_letter, with the reason.`,
  flushFailed: (reason: string) =>
    `Flush failed: ${reason}. The records are kept for the next flush.`,
  flushObserverFailed: (reason: string) => `A flush observer failed: ${reason}.`,
  runObserverFailed: (reason: string) => `A run observer failed: ${reason}.`,
  dropListenerFailed: (topic: string, reason: string) =>
    `An onDropped listener of topic '${topic}' failed: ${reason}.`,
  taskFailed: (task: string) => `Task ${task} failed`,
  runRecordLost: (task: string, runId: string, reason: string) =>
    `The run record of task ${task} (run ${runId}) could not be published: ${reason}.`,
  tickSkipped: (task: string) =>
    `Task ${task} was still running at its next tick: the tick is skipped (and so are later ones while it runs; see MetaTaskScheduler.counters). Set overlap: true to allow overlapping runs.`,
  taskMissed: (task: string, scheduledAt: number, graceMs: number) =>
    `Task ${task} missed its tick at ${new Date(scheduledAt).toISOString()}: no replica claimed it within ${graceMs} ms (graceMs). Counted in metaqueue_task_missed_runs_total.`,
  taskLate: (task: string, scheduledAt: Date, lateMs: number, replica: string, graceMs: number) =>
    `Task ${task} started its tick of ${scheduledAt.toISOString()} ${lateMs} ms late on ${replica} (graceMs ${graceMs}).`,
  taskOverrunning: (task: string, scheduledAt: Date, runningMs: number, replica: string) =>
    `Task ${task} has run its tick of ${scheduledAt.toISOString()} for ${runningMs} ms on ${replica}, longer than its maxRuntimeMs.`,
  taskFailing: (task: string, runs: number, error: string) =>
    `Task ${task} failed its last ${runs} runs; the latest: ${error}.`,
  taskRecovered: (task: string, alarm: string) => `Task ${task} is no longer ${alarm}.`,
  taskRunLost: (task: string, scheduledAt: Date, replica: string) =>
    `Task ${task}: the run of its tick of ${scheduledAt.toISOString()} on ${replica} is lost: its claim was not renewed for maxRuntimeMs (the replica died or hangs).`,
  tickClaimFailed: (task: string, step: string, reason: string) =>
    `Task ${task}: cannot ${step === 'claim' ? 'claim a tick, which is not run' : step === 'renew' ? 'renew the claim of its run' : 'write the end of its run'} (${reason}). Logged again only after a success.`,
  taskWatchFailed: (reason: string) =>
    `The watch of the scheduled tasks cannot read their runs: ${reason}. It tries again at the next check.`,
  tasksStillRunning: (tasks: string[], timeoutMs: number) =>
    `Tasks still running ${timeoutMs} ms after shutdown began (schedule.shutdownTimeoutMs): ${tasks.join(', ')}. What they publish from now on is refused.`,
  bufferReplay: (path: string, records: number) =>
    `Disk buffer ${path}: replaying ${records} records the sinks did not all have at the last stop.`,
  bufferCorrupt: (segment: string, offset: number) =>
    `Disk buffer segment ${segment}: the record at byte ${offset} is corrupt (CRC or length); skipped it, counted in metaqueue_buffer_corrupt_records_total.`,
  bufferTornEnd: (segment: string, offset: number, bytes: number) =>
    `Disk buffer segment ${segment} ends in a record torn by a crash: cut its last ${bytes} bytes at byte ${offset}; that publish had not resolved.`,
  bufferLedgerAhead: (path: string, sink: string, at: string, end: string) =>
    `Disk buffer ledger ${path}: sink ${sink} is at ${at}, past the end of the log (${end}), as an OS crash or deleted segments leave it. It reads on from the end of the log, so what is published now reaches it; counted in metaqueue_buffer_corrupt_records_total.`,
  bufferLedgerUnreadable: (path: string, reason: string) =>
    `Disk buffer ledger ${path} cannot be read (${reason}): every sink replays the log from its start, so a sink may get again records it already had (the store skips those by id); counted in metaqueue_buffer_corrupt_records_total. The ledger is written anew at the next acknowledgement.`,
  bufferUnknownTopic: (topic: string) =>
    `The disk buffer holds records of topic '${topic}', which this application no longer declares: they still go to the sinks.`,
  bufferWriteFailed: (segment: string, reason: string) =>
    `Cannot write the disk buffer segment ${segment}: ${reason}. Publishes wait (the queues fill, then their overflow policies act); retrying with backoff, logged again only for another cause.`,
  bufferDiskFull: (segment: string, reason: string) =>
    `The disk of the disk buffer is full, writing ${segment}: ${reason}. Publishes wait (the queues fill, then their overflow policies act) and nothing accepted is lost; as the sinks catch up, acknowledged segments are deleted and writing goes on. Free space on that disk, or set maxBytes below its free space.`,
  bufferWriteRecovered: (path: string) => `Disk buffer ${path}: writing again.`,
  bufferDeleteFailed: (segment: string, reason: string) =>
    `Cannot delete the disk buffer segment ${segment}, which every sink has: ${reason}. Its space stays taken; delete it by hand if this goes on.`,
  bufferLedgerWriteFailed: (ledger: string, reason: string) =>
    `Cannot write the disk buffer ledger ${ledger}: ${reason}. The sinks' positions are kept in memory and written at the next chance; a restart before then replays records the sinks may have had (the store skips those by id).`,
  bufferLedgerDiskFull: (ledger: string, reason: string) =>
    `The disk of the disk buffer is full, writing the ledger ${ledger}: ${reason}. The sinks' positions are kept in memory and written once acknowledged segments are deleted.`,
  bufferLedgerRecovered: (ledger: string) => `Disk buffer ledger ${ledger}: written again.`,
  redisUnreachable: (target: string, reason: string) =>
    `Redis at ${target} cannot be reached: ${reason}. Publishes apply their overflow policy until it returns.`,
  redisReachable: (target: string) => `Redis at ${target} is reachable; records flow again.`,
  redisRefused: (target: string, refusal: StreamRefusal) =>
    `Redis at ${target} answers, but ${redisRefusal(refusal)}. ${
      refusal.command === 'append'
        ? "Publishes to it meet their overflow policy ('error' rejects, 'block' waits up to blockTimeoutMs and is sent again with backoff, the drop policies drop the new record) until Redis appends again"
        : 'Its records are not read until the groups are made, tried again with backoff'
    }; counted in metaqueue_stream_refusals_total, logged again when it clears.`,
  redisRefusalCleared: (target: string, { stream, command }: StreamRefusal) =>
    `Redis at ${target} ${command === 'append' ? 'appends to' : 'has the consumer groups of'} stream ${stream} again; records flow again.`,
  redisAckFailed: (sink: string, entries: number, reason: string) =>
    `Could not acknowledge ${entries} entries of sink ${sink} to Redis: ${reason}. Retrying; until then they may be delivered again, once.`,
  redisForeignEntry: (
    stream: string,
    id: string,
    reason: string,
    deadLetters: string,
    quoted: string,
  ) =>
    `Redis stream ${stream}: entry ${id} is not a record metaqueue can deliver (${reason}; it holds ${quoted}). Moved it to the dead-letter stream ${JSON.stringify(deadLetters)} and acknowledged it for every sink; the rest flows. Counted in metaqueue_buffer_foreign_entries_total.`,
  redisMoveAsideFailed: (entries: number, reason: string) =>
    `Could not move ${entries} foreign entries to the dead-letter stream: ${reason}. They stay pending and are moved when they are read again (at the next claim or reconnect); the rest flows.`,
} as const;

/** Why an entry of a topic's stream holds no record metaqueue can deliver: said in the log and in the dead-letter stream. */
export const entryFaults = {
  'no-record-field': "it has no field 'r'",
  'not-json': "its field 'r' is not JSON",
  'not-a-record': "its field 'r' is not a record",
  'bad-id': 'its record id is not a UUID',
  'bad-time': 'its record time is not one between the years 1 and 9999',
  'bad-data': "its record's data is not JSON",
} as const;

/** Texts of HTTP responses: health, and 400s of the metadata query. */
export const httpMessages = {
  readTimedOut: (timeoutMs: number) =>
    `The query ran longer than ${timeoutMs} ms (reads.statementTimeoutMs) and was stopped: narrow it with from, to or a filter, or raise the option.`,
  readsBusy: (poolSize: number, timeoutMs: number) =>
    `All ${poolSize} read connections (reads.poolSize) stayed busy for ${timeoutMs} ms (reads.statementTimeoutMs): try again shortly.`,
  readCancelled: () => 'The client went away: its query was stopped.',
  unhealthy: (
    failures: Record<string, string>,
    fullQueues: string[],
    bufferUnreachable = false,
    bufferRefused: string[] = [],
    tasksDown: Record<string, string> = {},
  ) =>
    [
      Object.keys(failures).length > 0 &&
        `failing to write: ${Object.entries(failures)
          .map(([sink, reason]) => `${sink} (${reason})`)
          .join(', ')}`,
      fullQueues.length > 0 && `queues full: ${fullQueues.join(', ')}`,
      bufferUnreachable && 'Redis (the buffer) cannot be reached',
      bufferRefused.length > 0 && `Redis (the buffer) refuses: ${bufferRefused.join(', ')}`,
      Object.keys(tasksDown).length > 0 &&
        `tasks down: ${Object.entries(tasksDown)
          .map(([task, reason]) => `${task} (${reason})`)
          .join(', ')}`,
    ]
      .filter(Boolean)
      .join('; '),
  refusedStream: ({ stream, command, reason }: StreamRefusal) =>
    `${command === 'append' ? 'appends to' : 'the consumer groups of'} ${stream} (${reason})`,
  notAnObject: () => 'The metadata query must be an object of query parameters.',
  unknownParameter: (name: string, known: readonly string[]) =>
    `Unknown query parameter '${name}': use ${known.map((k) => `'${k}'`).join(', ')}.`,
  repeatedParameter: (name: string) => `Query parameter '${name}' is given more than once.`,
  invalidText: (name: string) =>
    `Query parameter '${name}' must be a non-empty string without NUL characters.`,
  invalidInstant: (name: string, value: unknown) =>
    `Query parameter '${name}'=${JSON.stringify(String(value))} is not a date: use ISO 8601, such as 2026-11-29 or 2026-11-29T09:14:22.040Z (a time needs Z or an offset).`,
  emptyRange: () => `Query parameter 'from' must be before 'to'.`,
  invalidLimit: (value: unknown, max: number) =>
    `Query parameter 'limit'=${JSON.stringify(String(value))} must be an integer from 1 to ${max}.`,
  invalidCursor: () =>
    `Query parameter 'cursor' is not a cursor this API returned: pass nextCursor of the previous page as it is.`,
  noStore: () => 'There is no store to query: MetaqueueModule was configured with store: false.',
  invalidOrder: (value: unknown) =>
    `Query parameter 'order'=${JSON.stringify(String(value))} must be 'oldest' or 'newest'.`,
  invalidDataFilter: (maxLength: number) =>
    `Query parameter 'data' must be JSON of at most ${maxLength} characters, without NUL characters or lone surrogates, such as {"table":"customers"}.`,
  dataFilterNumberOutOfRange: (
    number: string,
    limits: { integerDigits: number; decimalDigits: number },
  ) =>
    `Query parameter 'data' holds the number ${number.length > 40 ? `${number.slice(0, 40)}...` : number}, which PostgreSQL cannot store: a number has at most ${limits.integerDigits} digits before the decimal point and ${limits.decimalDigits} after it.`,
  // The board
  missingName: () => `Query parameter 'name' is required: the chart is of one name's data.`,
  invalidField: () =>
    `Query parameter 'field' must be the name of a key of data, a non-empty string of at most 200 characters.`,
  invalidRecordId: (id: string) =>
    `${JSON.stringify(id)} is not a record id: ids are UUIDs, such as 5a86e118-f55a-4b86-b8c3-33b2a28624fa.`,
  recordNotFound: (id: string) => `There is no stored record with id ${id}.`,
  unknownTask: (task: string) =>
    `There is no scheduled task named ${JSON.stringify(task)} in this app: GET <board>/api/tasks lists them.`,
  unknownAsset: (name: string) => `The board has no asset named ${JSON.stringify(name)}.`,
} as const;
