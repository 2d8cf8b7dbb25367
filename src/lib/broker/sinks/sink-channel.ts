import type { LoggerService } from '@nestjs/common';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { logMessages } from '../../metaqueue.messages.js';
import { Deque } from '../../queue/deque.js';
import { describeError } from '../../errors/describe-error.util.js';
import type { SinkStats } from '../broker-stats.interface.js';
import type { SourceBatch } from '../../buffer/record-source.interface.js';
import { IsolatingWrite } from './isolating-write.js';
import type { RecordSink, SinkWriteResult } from './record-sink.interface.js';
import type { RetryLoop } from './retry-loop.js';

/** A batch on its way to one sink: the source's batch, and the records this sink gets of it. */
export interface Delivery {
  batch: SourceBatch;
  records: readonly MetadataRecord[];
}

/** A delivery being written, or written and waiting for an earlier one to settle. */
interface Writing {
  delivery: Delivery;
  taken: Promise<readonly MetadataRecord[]>;
  finished: boolean;
}

export interface SinkChannelOptions {
  /**
   * Writes under way at once; their results are still passed on in order,
   * and up to as many finished ones wait for an earlier one to finish.
   */
  concurrency: number;
  /**
   * Most records waiting to be written; past it the oldest waiting batches
   * are dropped, counted. `Infinity` when the caller paces with `whenRoom()`.
   */
  maxBacklog: number;
  /**
   * For a sink that cannot sort out refused records itself (a connector):
   * isolate them (`IsolatingWrite`) and keep each with this.
   */
  keepRefused?: (record: MetadataRecord, error: unknown) => Promise<void>;
}

/**
 * One sink's own line: deliveries wait in order, up to `concurrency` are
 * written at once, each retried until it succeeds, and `onSettled` hears of
 * each in the order pushed, with the records the sink took. A write that
 * finishes frees its slot at once, though an earlier one is still under way:
 * a slot kept until its turn to settle left the database one write short.
 * A slow or failing sink only grows its own backlog; it never holds back
 * another sink.
 */
export class SinkChannel {
  readonly stats: SinkStats = {
    written: 0,
    alreadyWritten: 0,
    deadLettered: 0,
    failedWrites: 0,
    dropped: 0,
    backlog: 0,
    unflushed: 0,
    unconfirmed: 0,
  };
  private readonly waiting = new Deque<Delivery>();
  private waitingRecords = 0;
  /** Deliveries being written, or written and waiting for an earlier one: in the order pushed. */
  private readonly writing: Writing[] = [];
  /** Of `writing`, those still under way. */
  private underWay = 0;
  /** Past shutdown's deadline (a write gave up, or `abandon()`): no more writes start. */
  private givenUp = false;
  private delivering?: Promise<void>;
  private readonly roomWaiters: { resolve(): void; reject(error: unknown): void }[] = [];

  constructor(
    private readonly sink: RecordSink,
    private readonly options: SinkChannelOptions,
    private readonly retry: RetryLoop,
    private readonly logger: LoggerService,
    /** Called once per delivery, in order: written (with what the sink took) or dropped (with none). */
    private readonly onSettled: (delivery: Delivery, taken: readonly MetadataRecord[]) => void,
  ) {}

  get name(): string {
    return this.sink.name;
  }

  push(delivery: Delivery): void {
    this.waiting.push(delivery);
    this.waitingRecords += delivery.records.length;
    this.stats.backlog += delivery.records.length;
    this.dropPastBacklog();
    this.fill();
  }

  /** Resolves once one more delivery would start being written at once (see `canStart`). */
  whenRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve, reject) => this.roomWaiters.push({ resolve, reject }));
  }

  /** Resolves when the backlog is written; rejects with `ShutdownDeadlineError` past the deadline. */
  async drain(): Promise<void> {
    while (this.delivering) await this.delivering;
  }

  /**
   * Shutdown gave up on the backlog (and on `alsoLost` records it never got):
   * counts and logs it, and where they are kept if a durable source has them.
   * Returns the records this sink has written but not passed on (they wait
   * for an earlier write): the sinks after it never get them.
   */
  abandon(timeoutMs: number, keptIn: string | undefined, alsoLost = 0): number {
    this.givenUp = true;
    const lost = this.stats.backlog + alsoLost;
    let unconfirmed = 0;
    let notPassedOn = 0;
    for (const { delivery, finished } of this.writing) {
      if (finished) notPassedOn += delivery.records.length;
      else unconfirmed += delivery.records.length;
    }
    this.stats.unflushed += lost;
    this.stats.unconfirmed += unconfirmed;
    this.logger.error(logMessages.sinkUnflushed(this.name, lost, unconfirmed, timeoutMs, keptIn));
    return notPassedOn;
  }

  /**
   * Whether a write may start once `ahead` more have: a slot free, and fewer
   * than twice `concurrency` unsettled (the bound on what the channel holds).
   */
  private canStart(ahead = 0): boolean {
    const { concurrency } = this.options;
    return this.underWay + ahead < concurrency && this.writing.length + ahead < 2 * concurrency;
  }

  private hasRoom(): boolean {
    return this.canStart(this.waiting.size);
  }

  private dropPastBacklog(): void {
    while (this.waitingRecords > this.options.maxBacklog && this.waiting.size > 0) {
      const dropped = this.waiting.shift()!;
      const n = dropped.records.length;
      this.waitingRecords -= n;
      this.stats.backlog -= n;
      this.stats.dropped += n;
      this.logger.warn(logMessages.sinkBacklogFull(this.name, n, this.options.maxBacklog));
      this.onSettled(dropped, []);
    }
  }

  private fill(): void {
    if (this.givenUp) return;
    while (this.waiting.size > 0 && this.canStart()) {
      const delivery = this.waiting.shift()!;
      this.waitingRecords -= delivery.records.length;
      const writing: Writing = { delivery, taken: this.write(delivery.records), finished: false };
      this.underWay++;
      // Awaited in order by deliverInOrder(); one behind a failing write must not count as unhandled.
      writing.taken.then(
        () => this.finished(writing),
        () => {
          this.underWay--;
          this.givenUp = true;
        },
      );
      this.writing.push(writing);
    }
    if (!this.delivering && this.writing.length > 0) {
      this.delivering = this.deliverInOrder();
      // Only shutdown's deadline makes it fail; drain() awaits and reports that.
      this.delivering.catch(() => undefined);
    }
  }

  private async deliverInOrder(): Promise<void> {
    try {
      while (this.writing.length > 0) {
        const { delivery, taken } = this.writing[0];
        const records = await taken;
        this.writing.shift();
        this.onSettled(delivery, records);
        this.fill();
        this.wakeRoomWaiters();
      }
    } catch (error) {
      for (const waiter of this.roomWaiters.splice(0)) waiter.reject(error);
      throw error;
    } finally {
      // Cleared in the same tick the loop ends, so a push right after starts a new one.
      this.delivering = undefined;
    }
  }

  /**
   * A write is done: its records leave the backlog, and its slot takes the
   * next delivery; at once if an earlier write is under way, else once this
   * one is settled (a connector's next write starts after its acknowledgement).
   */
  private finished(writing: Writing): void {
    writing.finished = true;
    this.underWay--;
    this.stats.backlog -= writing.delivery.records.length;
    if (this.writing[0] === writing) return;
    this.fill();
    this.wakeRoomWaiters();
  }

  private wakeRoomWaiters(): void {
    if (!this.hasRoom()) return;
    for (const waiter of this.roomWaiters.splice(0)) waiter.resolve();
  }

  /** Writes with retries; resolves to the records the sink took (all but the dead-lettered). */
  private async write(records: readonly MetadataRecord[]): Promise<readonly MetadataRecord[]> {
    if (records.length === 0) return records;
    const result = await this.retry.run(this.attempts(records), {
      sink: this.name,
      records: records.length,
      onFailure: (error) => {
        // An isolating write counts each failed part itself.
        if (!this.options.keepRefused) this.stats.failedWrites++;
        this.stats.lastError = describeError(error);
      },
    });
    this.stats.lastError = undefined;
    const refused = result?.deadLettered ?? [];
    this.stats.written += records.length - refused.length;
    this.stats.alreadyWritten += result?.alreadyWritten ?? 0;
    if (refused.length === 0) return records;
    this.stats.deadLettered += refused.length;
    const isRefused = new Set(refused);
    return records.filter((record) => !isRefused.has(record));
  }

  /** What one attempt at writing `records` does; each retry calls it again. */
  private attempts(records: readonly MetadataRecord[]): () => Promise<SinkWriteResult | void> {
    const { keepRefused } = this.options;
    if (!keepRefused) return () => this.sink.write(records);
    const writePart = async (part: readonly MetadataRecord[]) => {
      try {
        return await this.sink.write(part);
      } catch (error) {
        this.stats.failedWrites++;
        throw error;
      }
    };
    const isolating = new IsolatingWrite(records, writePart, keepRefused);
    return () => isolating.attempt();
  }
}
