/** One sink's consumer group on one topic's stream. */
export interface GroupStream {
  group: string;
  stream: string;
}

/**
 * What this process reads: one stream per topic, added as the engines are
 * made, and one consumer group per sink, named at start. A stream whose
 * groups Redis refused to make (its key holds another type) is left out of
 * the reads until they are made.
 */
export class StreamGroups {
  readonly streams: string[] = [];
  sinks: readonly string[] = [];
  /** Streams without their groups: Redis refused to make them. */
  unreadable: ReadonlySet<string> = new Set();

  /** The streams reads go through. */
  readable(): string[] {
    return this.streams.filter((stream) => !this.unreadable.has(stream));
  }

  /** Every group with every readable stream: the pairs a claim, or a look at the consumers, goes through. */
  pairs(): GroupStream[] {
    const streams = this.readable();
    return this.sinks.flatMap((group) => streams.map((stream) => ({ group, stream })));
  }
}
