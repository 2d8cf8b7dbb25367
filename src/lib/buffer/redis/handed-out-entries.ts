/**
 * Per group, the stream entries this process handed out and not yet
 * acknowledged: reads of pending entries (this consumer's own, and claims)
 * skip them, for they are under way here.
 *
 * Kept as one id list per batch, not one entry per id: every record passes
 * through here, while only those rare reads ask about single ids.
 *
 * An acknowledged entry leaves only once no read is under way. A read sent
 * just before the `XACK` still finds the entry pending, and when both replies
 * come in one chunk, ioredis runs the acknowledgement's callback before the
 * read's code resumes: letting the entry go at once would hand it out a
 * second time, to a sink that already has it.
 */
export class HandedOutEntries {
  /** Per group and stream, the id lists of the batches under way. */
  private readonly batches = new Map<string, Set<readonly string[]>>();
  /** Per group and stream, every id under way, made when a read first asks. */
  private readonly lookups = new Map<string, Set<string>>();
  private readsUnderway = 0;
  private readonly acknowledgedDuringReads: {
    group: string;
    stream: string;
    ids: readonly string[];
  }[] = [];

  /** One batch's entries of the group's stream. */
  add(group: string, stream: string, ids: readonly string[]): void {
    const k = key(group, stream);
    let lists = this.batches.get(k);
    if (!lists) this.batches.set(k, (lists = new Set()));
    lists.add(ids);
    this.lookups.delete(k);
  }

  has(group: string, stream: string, id: string): boolean {
    const k = key(group, stream);
    let lookup = this.lookups.get(k);
    if (!lookup) {
      lookup = new Set([...(this.batches.get(k) ?? [])].flat());
      this.lookups.set(k, lookup);
    }
    return lookup.has(id);
  }

  /** Redis has the group's acknowledgement of these entries: the very list `add` was given. */
  acknowledged(group: string, stream: string, ids: readonly string[]): void {
    if (this.readsUnderway > 0) this.acknowledgedDuringReads.push({ group, stream, ids });
    else this.forget(group, stream, ids);
  }

  /** Runs a read; acknowledgements answered meanwhile take effect once no read is under way. */
  async reading<T>(read: () => Promise<T>): Promise<T> {
    this.readsUnderway++;
    try {
      return await read();
    } finally {
      if (--this.readsUnderway === 0) {
        for (const { group, stream, ids } of this.acknowledgedDuringReads.splice(0)) {
          this.forget(group, stream, ids);
        }
      }
    }
  }

  private forget(group: string, stream: string, ids: readonly string[]): void {
    const k = key(group, stream);
    if (this.batches.get(k)?.delete(ids)) this.lookups.delete(k);
  }
}

function key(group: string, stream: string): string {
  return `${group}\n${stream}`;
}
