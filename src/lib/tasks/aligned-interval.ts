import type { SchedulerRegistry } from '@nestjs/schedule';

/**
 * Fires at every multiple of `periodMs` since the epoch, so every replica of a
 * fleet ticks at the same times, and never drifts (setInterval's period counts
 * from when its callback ran). Registered in `SchedulerRegistry` as an
 * interval under the task's name: the registry always holds the pending timer,
 * so `deleteInterval(name)` stops it as it stops any interval.
 */
export class AlignedInterval {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly name: string,
    private readonly periodMs: number,
    private readonly onTick: () => void,
  ) {}

  start(): void {
    this.timer = this.arm();
    this.registry.addInterval(this.name, this.timer);
  }

  private arm(): NodeJS.Timeout {
    const now = Date.now();
    const delay = (Math.floor(now / this.periodMs) + 1) * this.periodMs - now;
    return setTimeout(this.fire, delay);
  }

  private readonly fire = (): void => {
    // Deleted, or replaced by the user: this schedule is over.
    if (!this.registry.doesExist('interval', this.name)) return;
    if (this.registry.getInterval(this.name) !== this.timer) return;
    this.registry.deleteInterval(this.name);
    this.timer = this.arm();
    this.registry.addInterval(this.name, this.timer);
    this.onTick();
  };
}
