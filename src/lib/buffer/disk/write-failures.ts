import type { LoggerService } from '@nestjs/common';
import { describeError } from '../../errors/describe-error.util.js';

/** Codes that mean the disk has no room: they pass once space is freed. */
const noSpaceCodes: readonly string[] = ['ENOSPC', 'EDQUOT'];

/** Whether `error` says the disk (or the user's quota) is full. */
export function isOutOfSpace(error: unknown): boolean {
  return noSpaceCodes.includes(causeOf(error));
}

/** The lines a `WriteFailures` logs: a failure, one for lack of space, and the recovery. */
export interface WriteFailureMessages {
  failed(file: string, reason: string): string;
  outOfSpace(file: string, reason: string): string;
  recovered(): string;
}

/**
 * Failed writes of one kind of file (the log's segments, the ledger): each
 * counted, each cause (ENOSPC, EIO, …) logged once with the file it hit
 * until writing works again, which is logged once too. A full disk fails
 * every retry; one line per retry would bury everything else.
 */
export class WriteFailures {
  count = 0;
  /** Whether the last failure was for lack of space. */
  outOfSpace = false;
  private readonly logged = new Set<string>();

  constructor(
    private readonly logger: LoggerService,
    private readonly messages: WriteFailureMessages,
  ) {}

  failed(error: unknown, file: string): void {
    this.count++;
    this.outOfSpace = isOutOfSpace(error);
    const cause = causeOf(error);
    if (this.logged.has(cause)) return;
    this.logged.add(cause);
    const reason = describeError(error);
    this.logger.error(
      this.outOfSpace ? this.messages.outOfSpace(file, reason) : this.messages.failed(file, reason),
    );
  }

  /** A write went through: says so once after failures, and forgets their causes. */
  succeeded(): void {
    this.outOfSpace = false;
    if (this.logged.size === 0) return;
    this.logged.clear();
    this.logger.log(this.messages.recovered());
  }
}

function causeOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : describeError(error);
}
