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
