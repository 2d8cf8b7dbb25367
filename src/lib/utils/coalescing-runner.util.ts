/**
 * Runs `work` on request, never two at once: a request while it runs gets one
 * more run right after it, however many requests came. Shared by the flush
 * loop's passes and the disk ledger's saves.
 */
export class CoalescingRunner {
  private running?: Promise<void>;
  private again = false;

  constructor(private readonly work: () => Promise<void>) {}

  /** Whether a run is under way. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Runs now, or once more after the run under way; resolves when they are done. */
  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.work();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Resolves once no run is under way or asked for; rejects as that run does. */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}
