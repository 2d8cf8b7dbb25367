/** Every message metaqueue shows to a user, in one place. */
export const messages = {
  // Configuration, at startup
  unknownDataType: (dtype: unknown, names: string[]) =>
    `Unknown dtype ${JSON.stringify(String(dtype))}: use one of ${names.map((n) => `'${n}'`).join(', ')}, a class or a predicate.`,
  invalidTopic: (topic: unknown) =>
    `Invalid topic ${JSON.stringify(String(topic))}: a topic is a non-empty string (a string enum member or a plain string).`,
  duplicateTopic: (topic: string) =>
    `Topic '${topic}' is declared more than once in MetaqueueModule.forRoot(): declare each topic once.`,
  invalidQueueOption: (option: string, value: unknown, expected: string) =>
    `Invalid queue option ${option}=${JSON.stringify(value)}: expected ${expected}.`,
  topicConfig: (topic: string, problem: string) => `Topic '${topic}': ${problem}`,
  unknownTopic: (topic: string, declared: string[]) =>
    `Topic '${topic}' was never declared: declare it in MetaqueueModule.forRoot({ topics }) (declared: ${declared.map((t) => `'${t}'`).join(', ') || 'none'}).`,
  missingAsyncFactory: () =>
    'MetaqueueModule.forRootAsync() needs one of useFactory, useClass or useExisting.',

  // Publishing
  invalidMetadata: (topic: string, field: string, problem: string) =>
    `Cannot publish to topic '${topic}': ${field} ${problem}.`,
  wrongDataType: (topic: string, expected: string, received: string) =>
    `Cannot publish to topic '${topic}': data must be ${expected}, received ${received}.`,
  queueFull: (topic: string, capacity: number) =>
    `Queue of topic '${topic}' is full (capacity ${capacity}): raise bufferSize, or choose another overflow policy.`,
  publishTimeout: (topic: string, timeoutMs: number) =>
    `Queue of topic '${topic}' stayed full for ${timeoutMs} ms: the record was not published.`,

  engineClosed: (topic: string) =>
    `Cannot publish to topic '${topic}': the application is shutting down and its engines are closed.`,

  // Store and broker
  storeConnected: (target: string) => `Storing metadata in ${target}`,
  storeConnectRetry: (target: string, attempt: number, attempts: number, reason: string) =>
    `Cannot connect to ${target} (attempt ${attempt} of ${attempts}): ${reason}. Retrying.`,
  storeWriteFailed: (records: number, attempt: number, retryInMs: number, reason: string) =>
    `Storing ${records} records failed (attempt ${attempt}): ${reason}. They are kept; retrying in ${retryInMs} ms.`,
  storeRecovered: (records: number, attempts: number) =>
    `Stored ${records} records after ${attempts} attempts.`,
  deadLettered: (records: number) =>
    `The database refused ${records} records: they are in table metadata_dead_letter, with the reason.`,
  flushFailed: (reason: string) =>
    `Flush failed: ${reason}. The records are kept for the next flush.`,
  flushTimeout: (timeoutMs: number) =>
    `flush() did not finish within ${timeoutMs} ms; it goes on in the background and keeps every record.`,
  unflushedAtShutdown: (records: number, timeoutMs: number) =>
    `${records} accepted records could not be stored within shutdownTimeoutMs (${timeoutMs} ms) and are lost: raise shutdownTimeoutMs, or check the database.`,
  connectorWriteFailed: (
    name: string,
    records: number,
    attempt: number,
    retryInMs: number,
    reason: string,
  ) =>
    `Connector ${name} failed to write ${records} records (attempt ${attempt}): ${reason}. They are kept; retrying in ${retryInMs} ms.`,
  connectorBacklogFull: (name: string, records: number, maxBacklog: number) =>
    `Connector ${name} is more than maxConnectorBacklog (${maxBacklog}) records behind: dropped its ${records} oldest.`,
  connectorUnflushed: (name: string, records: number, timeoutMs: number) =>
    `Connector ${name} could not write ${records} records within shutdownTimeoutMs (${timeoutMs} ms); they are lost.`,
  invalidConnector: (registration: string) =>
    `Invalid connector ${registration}: give a class, an object with write(records), or { useFactory }.`,
  invalidFileOption: (option: string, value: unknown, expected: string) =>
    `Invalid OpenMetricsFileConnector option ${option}=${JSON.stringify(value)}: expected ${expected}.`,
  fileNotWritable: (path: string, reason: string) =>
    `Cannot write the OpenMetrics file ${path}: ${reason}. Choose a path in a writable directory.`,
  invalidBrokerOption: (option: string, value: unknown, expected: string) =>
    `Invalid broker option ${option}=${JSON.stringify(value)}: expected ${expected}.`,

  flushObserverFailed: (reason: string) => `A flush observer failed: ${reason}.`,

  // Health
  invalidHealthOption: (option: string, value: unknown) =>
    `Invalid health option ${option}=${JSON.stringify(value)}: expected a non-negative number of milliseconds.`,
  unhealthy: (failingSinks: string[], fullQueues: string[]) =>
    [
      failingSinks.length > 0 && `failing to write: ${failingSinks.join(', ')}`,
      fullQueues.length > 0 && `queues full: ${fullQueues.join(', ')}`,
    ]
      .filter(Boolean)
      .join('; '),

  // Reading records back
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
  taskFailed: (task: string) => `Task ${task} failed`,
} as const;
