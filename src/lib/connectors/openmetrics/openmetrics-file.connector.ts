import { Logger } from '@nestjs/common';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { MetaqueueConfigError, MetaqueueError } from '../../errors/metaqueue.errors.js';
import { defaults } from '../../metaqueue.defaults.js';
import { errorMessages, logMessages } from '../../metaqueue.messages.js';
import { assertOption, distinctOf, oneOf, optionRules } from '../../utils/assert-option.util.js';
import { describeError } from '../../errors/describe-error.util.js';
import type { ConnectorContext, MetadataConnector } from '../metadata-connector.interface.js';
import type { ReplayGuard } from '../../buffer/replay-guard.interface.js';
import { SkipFileGuard } from '../../buffer/skip-file-guard.js';
import {
  openMetricsMergeRules,
  openMetricsSampleModes,
  openMetricsSeriesLabels,
  type OpenMetricsFileOptions,
} from './openmetrics-file-options.interface.js';
import type { SampleShape } from './openmetrics-format.js';
import { releasePidLock, takePidLock } from '../../utils/pid-lock.js';
import { OpenMetricsSpool } from './openmetrics-spool.js';
import { ExpositionAssembler } from './exposition-assembler.js';
import { CrashedSpoolRecovery } from './crashed-spool-recovery.js';
import { SeriesMergeThread } from './series-merge-thread.js';

/**
 * Writes every record to a file in OpenMetrics text: the seed's
 * `StoreToLocalhost(path)`, in a format Prometheus tooling reads.
 *
 * Batches are appended to a spool beside the path (`OpenMetricsSpool`); at
 * rotation and at close it is joined into a complete exposition and renamed
 * into place (`ExpositionAssembler`). What a crash left is finished at the
 * next open, settled with the buffer's replay guard (`CrashedSpoolRecovery`).
 * The path has one writer: `<path>.lock` holds its PID from open to close.
 * By default a sample's series is bounded (its name, topic and location):
 * see `OpenMetricsFileOptions.samples`.
 */
export class OpenMetricsFileConnector implements MetadataConnector {
  private static readonly logger = new Logger('OpenMetricsFileConnector');
  readonly name: string;
  private readonly path: string;
  /** Held from open() to close(), so a second writer of the same path fails at startup. */
  private readonly lockPath: string;
  private locked = false;
  private readonly maxFileBytes: number;
  private readonly spool: OpenMetricsSpool;
  private readonly assembler: ExpositionAssembler;
  /** In series: where the spool's batches are merged into their series as they are written. */
  private readonly mergeThread?: SeriesMergeThread;
  /** Keeps a record a crashed spool already has from being written again (see `ReplayGuard`). */
  private guard!: ReplayGuard;
  private recovery!: CrashedSpoolRecovery;

  constructor(options: OpenMetricsFileOptions) {
    assertOption(owner, 'path', options?.path, optionRules.path);
    this.path = resolve(options.path);
    this.lockPath = `${this.path}.lock`;
    this.maxFileBytes = options.maxFileBytes ?? defaults.openMetricsFile.maxFileBytes;
    const fsync = options.fsync ?? defaults.openMetricsFile.fsync;
    assertOption(owner, 'maxFileBytes', this.maxFileBytes, optionRules.positiveInteger);
    this.name = options.name ?? `OpenMetricsFileConnector(${options.path})`;
    const shape = sampleShape(options);
    const merge = options.merge ?? defaults.openMetricsFile.merge;
    assertOption(owner, 'merge', merge, oneOf(openMetricsMergeRules));
    if (shape.samples === 'series') {
      this.mergeThread = new SeriesMergeThread({
        rule: merge,
        keepId: shape.labels.includes('id'),
      });
    }
    const logger = OpenMetricsFileConnector.logger;
    this.spool = new OpenMetricsSpool(`${this.path}.spool`, fsync, logger, shape, this.mergeThread);
    this.assembler = new ExpositionAssembler(this.path, fsync, this.mergeThread);
  }

  /**
   * What the file did to records besides writing them, since startup:
   * samples merged into another of their series and millisecond, and records
   * not written (non-numeric data, in series). Also in `/metrics`.
   */
  stats(): OpenMetricsFileStats {
    return { samplesMerged: this.assembler.merged, recordsNotWritten: this.spool.notWritten };
  }

  /** Checks the path is writable, keeps what an earlier run left, and starts a spool. */
  async open(context: ConnectorContext = {}): Promise<void> {
    this.guard = context.replayGuard?.(this.path) ?? new SkipFileGuard(this.path);
    await this.checkWritable();
    const stale = await takePidLock(
      this.lockPath,
      (pid) => new MetaqueueConfigError(errorMessages.fileInUse(this.path, pid, this.lockPath)),
    );
    this.locked = true;
    if (stale) {
      OpenMetricsFileConnector.logger.warn(
        logMessages.staleLockTakenOver(this.lockPath, stale.pid),
      );
    }
    try {
      const writer = await this.guard.open();
      this.recovery = new CrashedSpoolRecovery(
        this.path,
        this.spool.dir,
        this.guard,
        this.assembler,
        OpenMetricsFileConnector.logger,
      );
      await this.recovery.recover();
      await this.spool.start(writer);
    } catch (error) {
      // Recovery may have started the merge thread for a crashed spool.
      await this.mergeThread?.close();
      await this.unlock();
      throw error;
    }
  }

  async write(batch: readonly MetadataRecord[]): Promise<void> {
    // Records flow again, so the source may answer now; the write does not wait for it.
    if (this.recovery.pending) void this.recovery.settleLeftovers();
    await this.guard.admit(batch, (records) => this.append(records));
  }

  private async append(records: readonly MetadataRecord[]): Promise<void> {
    if (this.spool.bytes >= this.maxFileBytes) await this.assembler.rotate(this.spool);
    await this.spool.append(records);
  }

  /** Turns the spool into `<path>`, a complete exposition. */
  async close(): Promise<void> {
    // Not opened (or opening failed): the path may be another writer's.
    if (!this.locked) return;
    try {
      await this.spool.cutBack();
      await this.guard.close();
      await this.spool.close();
      await this.assembler.assemble(this.spool.dir, this.path);
      await this.recovery.close();
    } catch (error) {
      throw new MetaqueueError(
        errorMessages.fileNotFinished(this.path, this.spool.dir, describeError(error)),
      );
    } finally {
      await this.mergeThread?.close();
      await this.unlock();
    }
  }

  private async checkWritable(): Promise<void> {
    const dir = dirname(this.path);
    try {
      await access(dir, constants.W_OK);
      if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
      const existing = await stat(this.path).catch(() => undefined);
      if (existing && !existing.isFile()) throw new Error('exists and is not a file');
    } catch (error) {
      throw new MetaqueueConfigError(
        errorMessages.fileNotWritable(this.path, (error as Error).message),
      );
    }
  }

  /** Releases the lock if this connector holds it: never another writer's. */
  private async unlock(): Promise<void> {
    if (!this.locked) return;
    this.locked = false;
    await releasePidLock(this.lockPath);
  }
}

const owner = 'OpenMetricsFileConnector';

/** What the options say a sample stands for; checked here, once. */
function sampleShape(options: OpenMetricsFileOptions): SampleShape {
  const samples = options.samples ?? defaults.openMetricsFile.samples;
  assertOption(owner, 'samples', samples, oneOf(openMetricsSampleModes));
  const labels = options.labels ?? defaults.openMetricsFile.labels;
  assertOption(owner, 'labels', labels, distinctOf(openMetricsSeriesLabels));
  return { samples, labels };
}

/** See `OpenMetricsFileConnector.stats()`. */
export interface OpenMetricsFileStats {
  samplesMerged: number;
  recordsNotWritten: number;
}
