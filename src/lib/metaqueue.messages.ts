/**
 * Every text metaqueue shows a user, in one place, grouped by where it goes:
 * the messages of thrown errors, log lines, and HTTP responses.
 */

/** Messages of the errors metaqueue throws; each says what was wrong and what to do. */
export const errorMessages = {
  // Configuration, at startup
  invalidOption: (owner: string, option: string, value: unknown, expected: string) =>
    `Invalid ${owner} option ${option}=${JSON.stringify(value)}: expected ${expected}.`,
  unknownDataType: (dtype: unknown, names: string[]) =>
    `Unknown dtype ${JSON.stringify(String(dtype))}: use one of ${names.map((n) => `'${n}'`).join(', ')}, a class or a predicate.`,
  invalidTopic: (topic: unknown, maxLength: number) =>
    `Invalid topic ${JSON.stringify(String(topic))}: a topic is a non-empty string of at most ${maxLength} characters (a string enum member or a plain string).`,
  duplicateTopic: (topic: string) =>
    `Topic '${topic}' is declared more than once in MetaqueueModule.forRoot(): declare each topic once.`,
  topicConfig: (topic: string, problem: string) => `Topic '${topic}': ${problem}`,
  unknownTopic: (topic: string, declared: string[]) =>
    `Topic '${topic}' was never declared: declare it in MetaqueueModule.forRoot({ topics }) (declared: ${declared.map((t) => `'${t}'`).join(', ') || 'none'}).`,
  missingAsyncFactory: () =>
    'MetaqueueModule.forRootAsync() needs one of useFactory, useClass or useExisting.',
  invalidStoreUrl: () =>
    'The store url is not a valid URL (it is not shown: it may hold a password). Percent-encode reserved characters in the user name and password, e.g. # as %23 and @ as %40.',
  invalidRedisUrl: () =>
    "The Redis buffer's url is not a redis:// or rediss:// URL (it is not shown: it may hold a password).",
  roleNeedsSharedBuffer: (role: string) =>
    `broker.role '${role}' needs a buffer the fleet shares: set buffer: { type: 'redis', url }.`,
  invalidConnector: (registration: string) =>
    `Invalid connector ${registration}: give a class, an object with write(records), or { useFactory }.`,
  reservedSinkName: (name: string) =>
    `A connector is named '${name}', the store's name among the sinks: give it another name.`,
  fileNotWritable: (path: string, reason: string) =>
    `Cannot write the OpenMetrics file ${path}: ${reason}. Choose a path in a writable directory.`,

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
  invalidConcurrency: (value: unknown) =>
    `TaskRunner concurrency must be a positive integer, received ${JSON.stringify(value)}.`,
} as const;

/** Lines metaqueue logs. A sink is the store ("store") or a connector, by name. */
export const logMessages = {
  storeConnected: (target: string) => `Storing metadata in ${target}`,
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
  sinkUnflushed: (sink: string, records: number, timeoutMs: number) =>
    `Sink ${sink} could not write ${records} accepted records within shutdownTimeoutMs (${timeoutMs} ms); they are lost: raise shutdownTimeoutMs, or check the sink.`,
  sinkBacklogFull: (sink: string, records: number, maxBacklog: number) =>
    `Sink ${sink} is more than maxConnectorBacklog (${maxBacklog}) records behind: dropped its ${records} oldest.`,
  deadLettered: (records: number) =>
    `The database refused ${records} records: they are in table metadata_dead_letter, with the reason.`,
  flushFailed: (reason: string) =>
    `Flush failed: ${reason}. The records are kept for the next flush.`,
  flushObserverFailed: (reason: string) => `A flush observer failed: ${reason}.`,
  dropListenerFailed: (topic: string, reason: string) =>
    `An onDropped listener of topic '${topic}' failed: ${reason}.`,
  taskFailed: (task: string) => `Task ${task} failed`,
  redisUnreachable: (target: string, reason: string) =>
    `Redis at ${target} cannot be reached: ${reason}. Publishes apply their overflow policy until it returns.`,
  redisReachable: (target: string) => `Redis at ${target} is reachable; records flow again.`,
  redisAckFailed: (sink: string, entries: number, reason: string) =>
    `Could not acknowledge ${entries} entries of sink ${sink} to Redis: ${reason}. Retrying; until then they may be delivered again, once.`,
} as const;

/** Texts of HTTP responses: health, and 400s of the metadata query. */
export const httpMessages = {
  unhealthy: (failingSinks: string[], fullQueues: string[], bufferUnreachable = false) =>
    [
      failingSinks.length > 0 && `failing to write: ${failingSinks.join(', ')}`,
      fullQueues.length > 0 && `queues full: ${fullQueues.join(', ')}`,
      bufferUnreachable && 'Redis (the buffer) cannot be reached',
    ]
      .filter(Boolean)
      .join('; '),
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
} as const;
