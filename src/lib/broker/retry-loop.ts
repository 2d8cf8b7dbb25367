import { backoffDelay } from './backoff.js';

/** Raised when the next retry would end after the shutdown deadline. */
export class ShutdownDeadlineError extends Error {
  constructor(readonly lastError: unknown) {
    super('shutdown deadline passed while retrying');
  }
}

/**
 * Retries work with exponential backoff and jitter, for as long as the
 * application runs. At shutdown, `finishBy()` sets a deadline and makes the
 * waits hold the process open: before it, they never do.
 */
export class RetryLoop {
  private deadline = Infinity;
  private holdOpen = false;
  private readonly waits = new Set<NodeJS.Timeout>();

  constructor(
    private readonly initialDelayMs: number,
    private readonly maxDelayMs: number,
  ) {}

  finishBy(deadline: number): void {
    this.deadline = deadline;
    this.holdOpen = true;
    for (const timer of this.waits) timer.ref();
  }

  async run<T>(
    work: () => Promise<T>,
    onFailure: (error: unknown, attempt: number, retryInMs: number) => void,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const delay = backoffDelay(attempt - 1, this.initialDelayMs, this.maxDelayMs);
        if (Date.now() + delay > this.deadline) throw new ShutdownDeadlineError(error);
        onFailure(error, attempt, delay);
        await this.wait(delay);
      }
    }
  }

  private wait(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waits.delete(timer);
        resolve();
      }, delayMs);
      if (!this.holdOpen) timer.unref();
      this.waits.add(timer);
    });
  }
}
