/** Commands sent without waiting for them (acknowledgements, trims, cleanups): what shutdown waits for. */
export class BackgroundTasks {
  private readonly tasks = new Set<Promise<unknown>>();

  track(task: Promise<unknown>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task)).catch(() => undefined);
  }

  /** Resolves once every task, and every task tracked meanwhile, has settled. */
  async settled(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }
}
