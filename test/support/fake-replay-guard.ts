import type { ReplayGuard } from '../../src/lib/buffer/replay-guard.interface.js';
import type { MetadataRecord } from '../../src/lib/index.js';

/**
 * A replay guard for tests of a sink's copy: names `writer` at open, keeps
 * the crashed ids `keeps` allows, rejects every settle while `unreachable`
 * is set (as the fleet's register does with Redis down), and admits every
 * record. It notes each call.
 */
export class FakeReplayGuard implements ReplayGuard {
  readonly settled: { ids: string[]; writer: string | undefined }[] = [];
  readonly admitted: string[][] = [];
  closed = false;
  unreachable?: Error;

  constructor(
    private readonly keeps: (id: string) => boolean = () => true,
    private readonly writer?: string,
  ) {}

  open(): Promise<string | undefined> {
    return Promise.resolve(this.writer);
  }

  settle(ids: ReadonlySet<string>, writer: string | undefined): Promise<ReadonlySet<string>> {
    this.settled.push({ ids: [...ids], writer });
    if (this.unreachable) return Promise.reject(this.unreachable);
    return Promise.resolve(new Set([...ids].filter(this.keeps)));
  }

  async admit(
    records: readonly MetadataRecord[],
    write: (admitted: readonly MetadataRecord[]) => Promise<void>,
  ): Promise<void> {
    await write(records);
    this.admitted.push(records.map((r) => r.id));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
