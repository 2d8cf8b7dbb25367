/** The disk buffer's own figures. */
export interface BufferStats {
  /** Bytes of the log on disk: at most about `maxBytes`. */
  bytes: number;
  /**
   * Records found corrupt (a bad CRC or length) and skipped, records torn by
   * a crash and cut, and ledger positions found damaged or past the log's end.
   */
  corrupt: number;
  /** Writes to the log or its ledger that failed (a full disk, an I/O error) and were retried. */
  failedWrites: number;
}

/** One topic's stream as `/metrics` shows it. */
export interface StreamStats {
  stream: string;
  /** Entries in the stream: not yet acknowledged by every group, or not yet trimmed. */
  length: number;
  groups: {
    group: string;
    /** Entries handed to a consumer and not yet acknowledged. */
    pending: number;
    /** Entries no consumer of the group has been handed yet; `undefined` when Redis cannot tell. */
    lag: number | undefined;
  }[];
}

/** A command on a topic's stream that Redis answers with an error reply now. */
export interface StreamRefusal {
  stream: string;
  /** `append`: publishing into it; `create-group`: making a sink's consumer group on it. */
  command: 'append' | 'create-group';
  /** Redis's error code: `OOM`, `NOPERM`, `WRONGTYPE`, … */
  code: string;
  /** Redis's own words, without credentials. */
  reason: string;
}

/** How often Redis refused a command on a stream for one reason. */
export interface StreamRefusalCount {
  stream: string;
  command: StreamRefusal['command'];
  code: string;
  refusals: number;
}

/** What a source tells metrics, health and the shutdown log about itself. */
export interface SourceReport {
  /**
   * Where records no sink has yet are kept across a restart, for log lines
   * (never with credentials); unset for memory, which keeps nothing.
   */
  readonly keptIn?: string;
  /** `false` while the place records wait in (Redis) cannot be reached. */
  readonly reachable: boolean;
  /** A log's own figures (disk). */
  readonly log?: BufferStats;
  /** Each stream's length, and each group's pending entries and lag (Redis): read when called. */
  readonly streams?: () => Promise<StreamStats[]>;
  /**
   * Entries of a topic's stream that held no record metaqueue can deliver
   * (another program's, or damaged), moved to the dead-letter stream by this
   * process, by stream (Redis).
   */
  readonly foreignEntries?: Readonly<Record<string, number>>;
  /** What Redis refuses now (Redis): it answers, so it is not unreachable, yet records cannot pass. */
  readonly refused?: readonly StreamRefusal[];
  /** Every refusal so far (Redis), counted by this process. */
  readonly refusals?: readonly StreamRefusalCount[];
  /**
   * Per stream, entries `drop-oldest` pushed out that this process did not
   * publish (another replica's, or another program's): never counted as this
   * process's engines' drops (Redis).
   */
  readonly evictedOthers?: Readonly<Record<string, number>>;
}
