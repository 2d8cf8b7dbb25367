import type { BackgroundTasks } from './background-tasks.js';
import type { ResolvedRedisBufferOptions } from './redis-buffer-options.js';
import { streamPipeline, type StreamClient } from './redis-connection.js';
import type { StreamGroups } from './stream-groups.js';
import { fieldsOf } from './stream-replies.js';

/** A consumer with nothing pending, idle this many `claimIdleMs`, is a worker that is gone. */
const goneAfterClaimIdles = 10;

/**
 * Removes from every group the consumers with nothing pending, idle for
 * `goneAfterClaimIdles × claimIdleMs`: workers that are gone (each run of a
 * worker is a new consumer, `hostname:pid`), so the groups do not fill with
 * their names. One that is only quiet comes back by its next read. Each
 * removal is checked and made in one step (see `forgetConsumerScript`).
 */
export class GoneConsumers {
  /** When the next look is due: with the first claim that finds nothing more, then every `goneAfterMs`. */
  private dueAt = 0;
  private readonly goneAfterMs: number;

  constructor(
    private readonly client: StreamClient,
    private readonly options: Pick<ResolvedRedisBufferOptions, 'consumer' | 'claimIdleMs'>,
    private readonly groups: StreamGroups,
    private readonly tasks: BackgroundTasks,
  ) {
    this.goneAfterMs = options.claimIdleMs * goneAfterClaimIdles;
  }

  /** Looks for gone consumers in the background, if a look is due; a failed look waits for the next. */
  forgetIfDue(): void {
    if (Date.now() < this.dueAt) return;
    this.dueAt = Date.now() + this.goneAfterMs;
    this.tasks.track(this.forget().catch(() => undefined));
  }

  private async forget(): Promise<void> {
    const pairs = this.groups.pairs();
    const infos = this.client.pipeline();
    for (const { group, stream } of pairs) infos.xinfo('CONSUMERS', stream, group);
    const replies = (await infos.exec()) ?? [];
    const forget = streamPipeline(this.client);
    let any = false;
    pairs.forEach(({ group, stream }, i) => {
      const [error, consumers] = replies[i] ?? [];
      if (error) return;
      for (const consumer of (consumers as unknown[][] | null) ?? []) {
        const { name, pending, idle } = fieldsOf(consumer);
        if (name === this.options.consumer || Number(pending) > 0) continue;
        if (Number(idle) < this.goneAfterMs) continue;
        forget.metaqueueForgetConsumer(stream, group, String(name));
        any = true;
      }
    });
    if (any) await forget.exec();
  }
}
