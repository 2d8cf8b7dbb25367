import { OpenMetricsFileConnector } from '../../src/lib/index.js';

/** A file connector whose process is killed before it closes: its spool and lock stay on disk. */
export class KilledFileConnector extends OpenMetricsFileConnector {
  override close(): Promise<void> {
    return Promise.resolve();
  }
}
