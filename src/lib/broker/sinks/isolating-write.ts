import type { MetadataRecord } from '../../record/metadata.interface.js';
import { RecordRefusedError } from '../../errors/metaqueue.errors.js';
import { isEnvironmentError } from '../../utils/environment-error.util.js';
import type { SinkWriteResult } from './record-sink.interface.js';

/** Failures of a part, of a kind that could be an outage, before it is halved. */
const failuresBeforeHalving = 3;

interface Part {
  records: readonly MetadataRecord[];
  failures: number;
  /** Parts written, by the latest failure of this part or the part it was cut from. */
  failedAfter?: number;
}

/**
 * One batch on its way to a connector, written part by part, so that a record
 * the connector can never take does not hold back the records after it.
 *
 * A failing part is halved at once when the connector throws
 * `RecordRefusedError`, or after `failuresBeforeHalving` failures of any
 * other kind but those that blame the machine (a full disk, a lost
 * permission, a cut connection: `isEnvironmentError`), which are only retried. A record that fails alone is refused when the connector said
 * so, or when it fails again after the connector wrote other parts of its
 * batch since its last failure: proof that the connector works, so an outage
 * refuses nothing. Written parts are never written again, so `attempt()` can
 * be retried as it is.
 */
export class IsolatingWrite {
  private readonly parts: Part[];
  private readonly refused: MetadataRecord[] = [];
  private partsWritten = 0;

  constructor(
    records: readonly MetadataRecord[],
    private readonly write: (records: readonly MetadataRecord[]) => Promise<unknown>,
    /** Keeps a refused record where a user can find it; rejecting retries that later. */
    private readonly keepRefused: (record: MetadataRecord, error: unknown) => Promise<void>,
  ) {
    this.parts = [{ records, failures: 0 }];
  }

  /** Writes the parts left; rejects, to be retried, on a failure that refuses nothing. */
  async attempt(): Promise<SinkWriteResult> {
    let i = 0;
    while (i < this.parts.length) {
      const part = this.parts[i];
      try {
        await this.write(part.records);
        this.parts.splice(i, 1);
        this.partsWritten++;
        // Back to the lone records skipped below: they can now prove themselves at fault.
        i = 0;
        continue;
      } catch (error) {
        // A full disk or a cut connection blames no record, even if a smaller part got through.
        if (isEnvironmentError(error)) throw error;
        const refusedByConnector = error instanceof RecordRefusedError;
        if (part.records.length > 1) {
          if (!refusedByConnector && ++part.failures < failuresBeforeHalving) throw error;
          const middle = part.records.length >>> 1;
          const failedAfter = this.partsWritten;
          this.parts.splice(
            i,
            1,
            { records: part.records.slice(0, middle), failures: 0, failedAfter },
            { records: part.records.slice(middle), failures: 0, failedAfter },
          );
        } else if (
          refusedByConnector ||
          (part.failedAfter !== undefined && this.partsWritten > part.failedAfter)
        ) {
          await this.keepRefused(part.records[0], error);
          this.refused.push(part.records[0]);
          this.parts.splice(i, 1);
        } else {
          part.failedAfter = this.partsWritten;
          // Does the connector take the parts after it? Only then is this record to blame.
          if (++i === this.parts.length) throw error;
        }
      }
    }
    return { deadLettered: this.refused };
  }
}
