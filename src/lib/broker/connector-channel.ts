import type { Logger } from '@nestjs/common';
import type { MetadataConnector } from '../connectors/metadata-connector.interface.js';
import type { MetadataRecord } from '../engine/metadata.interface.js';
import { messages } from '../metaqueue.messages.js';
import { Deque } from '../queue/deque.js';
import { describeError } from '../store/database-errors.js';
import type { RetryLoop } from './retry-loop.js';

/** What one connector has done since startup. */
export interface ConnectorStats {
  written: number;
  failedWrites: number;
  /** Records dropped because the backlog passed `maxConnectorBacklog`. */
  dropped: number;
  /** Records waiting for this connector. */
  backlog: number;
  /** Records shutdown could not write in time. */
  unflushed: number;
}

/**
 * One connector's own line: batches wait in a bounded backlog and are written
 * in order, each retried until it succeeds. A slow or failing connector only
 * grows its own backlog; past the bound the oldest batches are dropped, counted.
 */
export class ConnectorChannel {
  readonly stats: ConnectorStats = {
    written: 0,
    failedWrites: 0,
    dropped: 0,
    backlog: 0,
    unflushed: 0,
  };
  private readonly batches = new Deque<readonly MetadataRecord[]>();
  private current: readonly MetadataRecord[] = [];
  private pumping?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly connector: MetadataConnector,
    private readonly maxBacklog: number,
    private readonly retry: RetryLoop,
    private readonly logger: Logger,
  ) {}

  push(batch: readonly MetadataRecord[]): void {
    if (batch.length === 0) return;
    this.batches.push(batch);
    this.stats.backlog += batch.length;
    while (this.stats.backlog - this.current.length > this.maxBacklog && this.batches.size > 0) {
      const dropped = this.batches.shift()!;
      this.stats.backlog -= dropped.length;
      this.stats.dropped += dropped.length;
      this.logger.warn(messages.connectorBacklogFull(this.name, dropped.length, this.maxBacklog));
    }
    if (!this.pumping) {
      this.pumping = this.pump().finally(() => (this.pumping = undefined));
      // Only shutdown's drain() can make a pump fail; it awaits and reports it.
      this.pumping.catch(() => undefined);
    }
  }

  /** Resolves when the backlog is written; rejects with `ShutdownDeadlineError` past the deadline. */
  async drain(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  async close(): Promise<void> {
    await this.connector.close?.();
  }

  private async pump(): Promise<void> {
    while (this.batches.size > 0) {
      this.current = this.batches.shift()!;
      const batch = this.current;
      await this.retry.run(
        () => this.connector.write(batch),
        (error, attempt, retryInMs) => {
          this.stats.failedWrites++;
          if (attempt % 10 === 1) {
            this.logger.warn(
              messages.connectorWriteFailed(
                this.name,
                batch.length,
                attempt,
                retryInMs,
                describeError(error),
              ),
            );
          }
        },
      );
      this.stats.written += batch.length;
      this.stats.backlog -= batch.length;
      this.current = [];
    }
  }
}
