/** One sink's consumer group on one topic's stream. */
export interface GroupStream {
  group: string;
  stream: string;
}

/**
 * What this process reads: one stream per topic, added as the engines are
 * made, and one consumer group per sink, named at start.
 */
export class StreamGroups {
  readonly streams: string[] = [];
  sinks: readonly string[] = [];

  /** Every group with every stream: the pairs a claim, or a look at the consumers, goes through. */
  pairs(): GroupStream[] {
    return this.sinks.flatMap((group) => this.streams.map((stream) => ({ group, stream })));
  }
}
