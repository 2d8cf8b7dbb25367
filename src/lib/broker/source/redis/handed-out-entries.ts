/**
 * Per group, the stream entries this process handed out and not yet
 * acknowledged: reads of pending entries (this consumer's own, and claims)
 * skip them, for they are under way here.
 *
 * An acknowledged entry leaves only once no read is under way. A read sent
 * just before the `XACK` still finds the entry pending, and when both replies
 * come in one chunk, ioredis runs the acknowledgement's callback before the
 * read's code resumes: letting the entry go at once would hand it out a
 * second time, to a sink that already has it.
 */
export class HandedOutEntries {
  private readonly byGroup = new Map<string, Set<string>>();
  private readsUnderway = 0;
  private readonly acknowledgedDuringReads: { group: string; stream: string; ids: string[] }[] = [];

  add(group: string, stream: string, id: string): void {
    let entries = this.byGroup.get(group);
    if (!entries) this.byGroup.set(group, (entries = new Set()));
    entries.add(key(stream, id));
  }

  has(group: string, stream: string, id: string): boolean {
    return this.byGroup.get(group)?.has(key(stream, id)) ?? false;
  }

  /** Redis has the group's acknowledgement of these entries. */
  acknowledged(group: string, stream: string, ids: string[]): void {
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

  private forget(group: string, stream: string, ids: string[]): void {
    const entries = this.byGroup.get(group);
    for (const id of ids) entries?.delete(key(stream, id));
  }
}

function key(stream: string, id: string): string {
  return `${stream}\n${id}`;
}
