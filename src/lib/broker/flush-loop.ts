import { CoalescingRunner } from '../utils/coalescing-runner.util.js';

/**
 * When flush passes run: every `intervalMs`, "soon" on request, and on
 * demand; never two at once. A request while a pass runs gets one more pass
 * right after it, however many requests came. The timer keeps the process
 * alive only while records wait when it is set: an idle app may exit, but
 * one whose publishers wait on a full queue (and nothing else holds the
 * event loop, as with the embedded store) must not exit before the flush.
 * A failed pass is reported, never thrown into the event loop.
 */
export class FlushLoop {
  private timer?: NodeJS.Timeout;
  private started = false;
  private readonly passes: CoalescingRunner;
  /** A pass is set for the next turn: more requests until then change nothing. */
  private soonSet = false;

  constructor(
    pass: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
    /** Whether records wait to be flushed. */
    private readonly recordsWait: () => boolean = () => false,
  ) {
    this.passes = new CoalescingRunner(pass);
  }

  get running(): boolean {
    return this.started;
  }

  start(): void {
    this.started = true;
    this.schedule(this.intervalMs);
  }

  /** Stops the timer; a pass under way goes on, and `run()` still works. */
  stop(): void {
    this.started = false;
    this.soonSet = false;
    clearTimeout(this.timer);
  }

  /** A pass now, or right after the one under way. */
  soon(): void {
    if (!this.started || this.soonSet) return;
    // Joined: whoever started the pass under way handles its failure.
    if (this.passes.busy) void this.passes.run();
    // Asked once per publish while a queue is over its threshold: one timer, not one each.
    else this.schedule(0);
  }

  /** Runs a pass, or joins the one under way and asks for one more; resolves when they are done. */
  run(): Promise<void> {
    return this.passes.run();
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.soonSet = delayMs === 0;
    this.timer = setTimeout(() => this.tick(), delayMs);
    if (!this.recordsWait()) this.timer.unref();
  }

  private tick(): void {
    this.soonSet = false;
    this.run()
      .catch(this.onError)
      .finally(() => {
        if (this.started) this.schedule(this.intervalMs);
      });
  }
}
