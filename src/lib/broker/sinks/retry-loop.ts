import type { LoggerService } from '@nestjs/common';
import { ShutdownDeadlineError } from '../../errors/metaqueue.errors.js';
import { logMessages } from '../../metaqueue.messages.js';
import { describeError } from '../../errors/describe-error.util.js';
import { backoffDelay } from './backoff.js';

/** Whose write is retried, for the log, and what to count on each failure. */
export interface RetrySubject {
  sink: string;
  records: number;
  onFailure(error: unknown): void;
}

/**
 * Retries sink writes with exponential backoff and jitter, for as long as the
 * application runs, and logs them: the first failure of a write and every
 * tenth, so an outage is visible but not noisy, and the recovery. A wait
 * holds the process open, as the records it will retry are accepted ones: an
 * app with nothing else to do must not exit quietly in an outage and lose
 * them. At shutdown, `finishBy()` sets a deadline.
 */
export class RetryLoop {
  private deadline = Infinity;

  constructor(
    private readonly initialDelayMs: number,
    private readonly maxDelayMs: number,
    private readonly logger: LoggerService,
  ) {}

  finishBy(deadline: number): void {
    this.deadline = deadline;
  }

  /** Runs `work` until it succeeds; rejects with `ShutdownDeadlineError` past the deadline. */
  async run<T>(work: () => Promise<T>, subject: RetrySubject): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await work();
        if (attempt > 1) {
          this.logger.log(logMessages.sinkRecovered(subject.sink, subject.records, attempt));
        }
        return result;
      } catch (error) {
        const delay = backoffDelay(attempt - 1, this.initialDelayMs, this.maxDelayMs);
        if (Date.now() + delay > this.deadline) throw new ShutdownDeadlineError(error);
        subject.onFailure(error);
        if (attempt % 10 === 1) {
          this.logger.warn(
            logMessages.sinkWriteFailed(
              subject.sink,
              subject.records,
              attempt,
              delay,
              describeError(error),
            ),
          );
        }
        await this.wait(delay);
      }
    }
  }

  private wait(delayMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}
