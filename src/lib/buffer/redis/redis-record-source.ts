import type { MetaQueue } from '../../queue/meta-queue.js';
import { JournaledIntake } from '../journaled-intake.js';
import type { RecordIntake } from '../record-intake.interface.js';
import type { BatchReader, RecordSource, SourceBatch } from '../record-source.interface.js';
import type { ReplayGuard } from '../replay-guard.interface.js';
import type { SourceReport } from '../source-report.interface.js';
import { BackgroundTasks } from './background-tasks.js';
import { GoneConsumers } from './gone-consumers.js';
import { HandedOutEntries } from './handed-out-entries.js';
import { RecordOwners } from './record-owners.js';
import type { ResolvedRedisBufferOptions } from './redis-buffer-options.js';
import { RedisConnection } from './redis-connection.js';
import { StreamAcknowledger } from './stream-acknowledger.js';
import { StreamBatches } from './stream-batches.js';
import { deadLetterStream, StreamDeadLetters } from './stream-dead-letters.js';
import { StreamGroups } from './stream-groups.js';
import { StreamJournal } from './stream-journal.js';
import { StreamPublisher } from './stream-publisher.js';
import { StreamReader } from './stream-reader.js';
import { StreamRefusals } from './stream-refusals.js';
import { readStreamStats } from './stream-stats.js';

/**
 * Records wait in Redis: one stream per topic, one consumer group per sink,
 * this process one consumer in each. Each topic's queue stands in front of
 * its stream (`StreamJournal`), and the publisher appends what they hold in
 * one pipelined round trip per tick. The reader hands out what any group
 * has for this consumer (`StreamReader`); a sink's acknowledgement is an
 * `XACK` to its group, and an entry is trimmed once every group has
 * acknowledged it (`StreamAcknowledger`).
 */
export class RedisRecordSource implements RecordSource {
  private readonly connection: RedisConnection;
  private readonly groups = new StreamGroups();
  private readonly tasks = new BackgroundTasks();
  private readonly journal: StreamJournal;
  private readonly refusals: StreamRefusals;
  private readonly publisher: StreamPublisher;
  private readonly owners: RecordOwners;
  private readonly acks: StreamAcknowledger;
  private readonly deadLetters: StreamDeadLetters;
  private readonly batches: StreamBatches;
  private readonly streamReader: StreamReader;
  private appendedSinceWatch = 0;
  private watcher?: { threshold: number; listener: () => void };

  constructor(private readonly options: ResolvedRedisBufferOptions) {
    const { client } = (this.connection = new RedisConnection(options));
    const handedOut = new HandedOutEntries();
    this.refusals = new StreamRefusals(this.connection);
    this.journal = new StreamJournal(this.connection, () => this.publisher.requestSend());
    this.publisher = new StreamPublisher(this.connection, this.journal, this.refusals, (n) =>
      this.onAppended(n),
    );
    // The streams are added by intake(), as the engines are made; read from start() on.
    const { streams } = this.groups;
    const { streamPrefix, ownershipTtlMs, consumer } = options;
    this.owners = new RecordOwners(client, streams, streamPrefix, ownershipTtlMs, consumer);
    this.acks = new StreamAcknowledger(this.connection, streams, handedOut, this.tasks);
    this.deadLetters = new StreamDeadLetters(this.connection, deadLetterStream(streamPrefix));
    this.batches = new StreamBatches(this.groups, handedOut, this.acks, this.deadLetters);
    const gone = new GoneConsumers(client, options, this.groups, this.tasks);
    this.streamReader = new StreamReader(
      this.connection,
      options,
      this.groups,
      this.batches,
      handedOut,
      this.owners,
      this.acks,
      gone,
      this.refusals,
    );
    // Publishes waiting for the first connection meet their policy once it fails.
    this.connection.on('lost', () => this.publisher.requestSend());
    this.connection.on('ready', () => {
      // A reply lost with the old connection may have handed this consumer entries.
      if (this.groups.sinks.length > 0) this.streamReader.recoverOwnPending();
      this.publisher.requestSend();
    });
  }

  /** A topic's intake: its queue in front of its stream, under the queue's policy. */
  intake(topic: string, queue: MetaQueue): RecordIntake {
    const stream = `${this.options.streamPrefix}${topic}`;
    this.journal.add(topic, queue, stream, this.options.maxLen ?? queue.capacity);
    this.groups.streams.push(stream);
    return new JournaledIntake(queue, this.journal);
  }

  report(): SourceReport {
    return {
      keptIn: 'the Redis streams',
      reachable: this.connection.available,
      streams: () => readStreamStats(this.connection, this.groups.streams),
      foreignEntries: { ...this.deadLetters.moved },
      refused: this.refusals.now(),
      refusals: this.refusals.counted(),
      evictedOthers: { ...this.journal.evictedOthers },
    };
  }

  /**
   * Publishes not yet appended. Entries waiting in Redis are not this
   * process's to lose (another worker, or the next start, reads them):
   * `/metrics` shows them as each group's lag.
   */
  get waiting(): number {
    return this.journal.waiting;
  }

  get inFlight(): number {
    return this.batches.records;
  }

  start(sinks: readonly string[]): Promise<void> {
    this.groups.sinks = [...sinks];
    return this.streamReader.start();
  }

  /**
   * For a sink that keeps a copy: its claims registered, and a crashed copy
   * settled with the fleet (see `RecordOwners`). What a kept copy has is
   * left out as it is read, so every batch is written whole.
   */
  replayGuard(sink: string): ReplayGuard {
    return {
      open: () => Promise.resolve(this.owners.track(sink)),
      settle: (ids, writer) => this.settle(sink, [...ids], writer),
      admit: (records, write) => write(records),
      close: () => Promise.resolve(),
    };
  }

  watch(threshold: number, listener: () => void): void {
    // A stream at `maxLen` holds its publishes back (not in their queue) until it is read.
    const shortest = Math.min(...[...this.journal.all()].map((lane) => lane.maxLen));
    this.watcher = { threshold: Math.min(threshold, shortest), listener };
  }

  reader(maxBatchSize: number): BatchReader {
    return this.streamReader.reader(maxBatchSize);
  }

  acknowledge(sink: string, batch: SourceBatch): void {
    this.batches.acknowledge(sink, batch);
  }

  close(): void {
    this.journal.close();
  }

  /** Waits for the last sends and acknowledgements, then closes the connection. */
  async release(): Promise<void> {
    this.publisher.stop();
    if (this.connection.connected) {
      await this.publisher.idle();
      await this.acks.retryFailed();
      await this.tasks.settled();
      await this.acks.trim().catch(() => undefined);
    }
    await this.connection.close();
  }

  /** Settles a crashed copy with the register; fails, never guesses, while Redis cannot be reached. */
  private async settle(
    sink: string,
    ids: readonly string[],
    writer: string | undefined,
  ): Promise<ReadonlySet<string>> {
    if (!(await this.connection.ready())) throw this.connection.notConnected();
    try {
      return await this.owners.settle(sink, ids, writer);
    } catch (error) {
      throw new Error(this.connection.describe(error));
    }
  }

  private onAppended(records: number): void {
    if (!this.watcher) return;
    this.appendedSinceWatch += records;
    if (this.appendedSinceWatch < this.watcher.threshold) return;
    this.appendedSinceWatch = 0;
    this.watcher.listener();
  }
}
