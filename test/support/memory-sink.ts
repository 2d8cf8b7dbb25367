import type { MetadataRecord } from '../../src/lib/index.js';

/**
 * A sink (store or connector) in memory, for tests of the pipeline: it keeps
 * the records it was given, and their ids, can fail, refuse records, or never answer, and
 * counts the writes under way at once.
 */
export class MemorySink {
  readonly ids: string[] = [];
  readonly records: MetadataRecord[] = [];
  /** Reject every write while set. */
  failing = false;
  /** Writes hang until `answer()` while set. */
  silent = false;
  /** Records with these ids are dead-lettered (as the store does with poison rows). */
  readonly refuse = new Set<string>();
  /** As the store's: nothing to keep in shape in memory. */
  readonly maintenance = { start: async () => {}, stop: async () => {} };
  writes = 0;
  writing = 0;
  mostAtOnce = 0;
  private readonly hanging: (() => void)[] = [];

  constructor(readonly name: string) {}

  async write(records: readonly MetadataRecord[]): Promise<{ deadLettered: MetadataRecord[] }> {
    this.writes++;
    this.mostAtOnce = Math.max(this.mostAtOnce, ++this.writing);
    try {
      if (this.silent) await new Promise<void>((resolve) => this.hanging.push(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      if (this.failing) throw new Error(`${this.name} is down`);
      const refused = records.filter((r) => this.refuse.has(r.id));
      for (const record of records) {
        if (this.refuse.has(record.id)) continue;
        this.ids.push(record.id);
        this.records.push(record);
      }
      return { deadLettered: refused };
    } finally {
      this.writing--;
    }
  }

  /** Lets the writes that hang go on. */
  answer(): void {
    this.silent = false;
    for (const resolve of this.hanging.splice(0)) resolve();
  }
}
