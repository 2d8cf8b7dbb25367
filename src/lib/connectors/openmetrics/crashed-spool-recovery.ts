import type { LoggerService } from '@nestjs/common';
import { readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReplayGuard } from '../../buffer/replay-guard.interface.js';
import { describeError } from '../../errors/describe-error.util.js';
import { logMessages } from '../../metaqueue.messages.js';
import { pathExists } from '../../utils/path-exists.util.js';
import type { ExpositionAssembler, Rotation } from './exposition-assembler.js';
import { familyFiles, WRITER_FILE } from './openmetrics-spool.js';

/**
 * Finishes what an earlier run left beside the path: its rotations, its
 * file, and the spools a crash left. A crashed spool is settled with the
 * replay guard before it is finished: the records another writer has are
 * dropped from it, and the guard keeps the ones it holds from being written
 * again. When the guard cannot tell now (Redis cannot be reached), the spool
 * is set aside as it is, and tried again quietly as records flow.
 */
export class CrashedSpoolRecovery {
  /** Spools a crash left that could not be settled yet, with their target. */
  private unsettled: Rotation[] = [];
  private settling?: Promise<void>;

  constructor(
    private readonly path: string,
    private readonly liveSpool: string,
    private readonly guard: ReplayGuard,
    private readonly assembler: ExpositionAssembler,
    private readonly logger: LoggerService,
  ) {}

  /** Whether a spool is set aside, waiting to be settled. */
  get pending(): boolean {
    return this.unsettled.length > 0;
  }

  /** Run once at open, before the live spool starts. */
  async recover(): Promise<void> {
    // Spools a crash left behind: finish their rotation (idempotent), then the live one.
    for (const leftover of await this.assembler.existingRotations()) {
      if (await pathExists(leftover.spool)) await this.finishOrSetAside(leftover);
    }
    if (await pathExists(this.path)) {
      await rename(this.path, this.assembler.nextRotation().target);
    }
    if (await pathExists(this.liveSpool)) {
      const crashed = this.assembler.nextRotation();
      await rename(this.liveSpool, crashed.spool);
      await this.finishOrSetAside(crashed);
    }
  }

  /** Tries again, quietly, to settle the spools set aside; one try at a time. Never rejects. */
  settleLeftovers(): Promise<void> {
    this.settling ??= (async () => {
      for (const leftover of this.unsettled.splice(0)) {
        const unsettled = await this.finish(leftover).catch((error: unknown) =>
          describeError(error),
        );
        if (unsettled !== undefined) this.unsettled.push(leftover);
      }
    })().finally(() => (this.settling = undefined));
    return this.settling;
  }

  /** At close: one last try; what is still set aside waits for the next start, and the log says so. */
  async close(): Promise<void> {
    await this.settleLeftovers();
    for (const { spool } of this.unsettled) {
      this.logger.warn(logMessages.spoolStillUnsettled(spool));
    }
  }

  /** A spool that cannot be settled now waits, as it is, for a later write or the next start. */
  private async finishOrSetAside(leftover: Rotation): Promise<void> {
    const unsettled = await this.finish(leftover);
    if (unsettled === undefined) return;
    this.unsettled.push(leftover);
    this.logger.warn(logMessages.spoolUnsettled(leftover.spool, leftover.target, unsettled));
  }

  /**
   * Cuts a crashed spool's torn lines and finishes it, less what the replay
   * guard says another writer has. Returns why it could not be settled, if
   * the guard could not say.
   */
  private async finish({ spool, target }: Rotation): Promise<string | undefined> {
    const ids = await cutTornLines(spool);
    let kept: ReadonlySet<string>;
    try {
      kept = await this.guard.settle(ids, await writerOf(spool));
    } catch (error) {
      return describeError(error);
    }
    if (kept.size < ids.size) await dropSamples(spool, (id) => !kept.has(id));
    await this.assembler.assemble(spool, target);
    return undefined;
  }
}

/** The id label that opens every sample's labels (see SampleRenderer). */
const sampleId = /^[^{\n]*\{id="([^"]+)"/gm;
/** The same, for one line. */
const firstSampleId = new RegExp(sampleId.source);

/**
 * A process killed mid-append leaves a family file ending in part of a
 * line: cuts it (that batch was never acknowledged, so it comes again), and
 * reads which ids the spool holds.
 */
async function cutTornLines(spool: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const file of await familyFiles(spool)) {
    const path = join(spool, file);
    const text = await readFile(path, 'utf8');
    const whole = text.lastIndexOf('\n') + 1;
    if (whole < text.length) await truncate(path, Buffer.byteLength(text.slice(0, whole)));
    for (const match of text.slice(0, whole).matchAll(sampleId)) ids.add(match[1]);
  }
  return ids;
}

/** The writer a spool names, if it names one. */
function writerOf(spool: string): Promise<string | undefined> {
  return readFile(join(spool, WRITER_FILE), 'utf8').catch(() => undefined);
}

/** Rewrites a spool's family files without the samples of the ids to drop; a family left empty goes. */
async function dropSamples(spool: string, drop: (id: string) => boolean): Promise<void> {
  for (const file of await familyFiles(spool)) {
    const path = join(spool, file);
    const lines = (await readFile(path, 'utf8')).split('\n');
    const kept = lines.filter((line) => {
      const id = firstSampleId.exec(line)?.[1];
      return id === undefined || !drop(id);
    });
    if (kept.length === lines.length) continue;
    if (!kept.some((line) => firstSampleId.test(line))) await rm(path);
    else await writeFile(path, kept.join('\n'));
  }
}
