import { logMessages } from '../../metaqueue.messages.js';
import type { BackgroundTasks } from './background-tasks.js';
import type { HandedOutEntries } from './handed-out-entries.js';
import { streamPipeline, type RedisConnection } from './redis-connection.js';

/**
 * A sink's acknowledgements, as `XACK`s to its group, and the trims they make
 * possible. An acknowledgement that fails is logged, kept and sent again
 * before the next read and at shutdown: until then its entries may be handed
 * out again, once. An entry is trimmed only once every group has
 * acknowledged it (see `trimScript`).
 */
export class StreamAcknowledger {
  private failed: { sink: string; stream: string; ids: string[] }[] = [];
  private trimDue = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly streams: readonly string[],
    private readonly handedOut: HandedOutEntries,
    private readonly tasks: BackgroundTasks,
  ) {}

  /** Sends the sink's acknowledgement of `ids`, entries of `stream`, without waiting for it. */
  acknowledge(sink: string, stream: string, ids: string[]): void {
    if (ids.length === 0) return;
    this.tasks.track(
      this.connection.client.xack(stream, sink, ...ids).then(
        () => {
          this.handedOut.acknowledged(sink, stream, ids);
          this.trimSoon();
        },
        (error: unknown) => {
          this.connection.warn(
            logMessages.redisAckFailed(sink, ids.length, this.connection.describe(error)),
          );
          this.failed.push({ sink, stream, ids });
        },
      ),
    );
  }

  /** Sends again the acknowledgements that failed, and waits for them; kept until they go through. */
  async retryFailed(): Promise<void> {
    const failed = this.failed.splice(0);
    if (failed.length === 0) return;
    for (const { sink, stream, ids } of failed) this.acknowledge(sink, stream, ids);
    await this.tasks.settled();
  }

  /** Deletes from every stream what every group has acknowledged, never more. */
  async trim(): Promise<void> {
    const pipeline = streamPipeline(this.connection.client);
    for (const stream of this.streams) pipeline.metaqueueTrim(stream);
    await pipeline.exec();
  }

  /** One trim on the next turn, however many acknowledgements came in this one. */
  private trimSoon(): void {
    if (this.trimDue) return;
    this.trimDue = true;
    setImmediate(() => {
      this.trimDue = false;
      this.tasks.track(this.trim().catch(() => undefined));
    });
  }
}
