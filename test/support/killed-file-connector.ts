import { Logger } from '@nestjs/common';
import { OpenMetricsSpool } from '../../src/lib/connectors/openmetrics/openmetrics-spool.js';
import type { SampleShape } from '../../src/lib/connectors/openmetrics/openmetrics-format.js';
import { OpenMetricsFileConnector, type MetadataRecord } from '../../src/lib/index.js';

/** A file connector whose process is killed before it closes: its spool and lock stay on disk. */
export class KilledFileConnector extends OpenMetricsFileConnector {
  override close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Leaves at `spoolDir` what a killed connector leaves: a spool holding `batch` (per record unless `shape` says), never joined into a file. */
export async function leaveCrashedSpool(
  spoolDir: string,
  batch: readonly MetadataRecord[],
  writer?: string,
  shape?: SampleShape,
): Promise<void> {
  const spool = new OpenMetricsSpool(spoolDir, false, new Logger('KilledFileConnector'), shape);
  await spool.start(writer);
  await spool.append(batch);
  await spool.close();
}
