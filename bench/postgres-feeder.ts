import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout } from 'node:timers/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyMetadata, copyRows } from '../src/lib/store/copy-rows.js';
import { defaults } from '../src/lib/metaqueue.defaults.js';
import { importRowCount } from './import-metadata.js';
import { stampedRecord } from './stamped-record.js';

/** Rows a COPY, as the broker writes them at the host's rate: a full batch. */
const rowsPerBatch = defaults.broker.maxBatchSize;

/**
 * Another program writing into the same PostgreSQL at the host app's record
 * rate, from the bench's process: the import's rows, their COPY bytes built
 * before it starts, sent a batch at the pace the broker sends them, over one
 * connection (the store has up to two COPYs under way; at this rate it seldom
 * has more than one). What the database's own work costs a host on the same
 * cores, with none of metaqueue's work in the host.
 */
export class PostgresFeeder {
  private stopped = false;
  private sent = 0;
  private feeding?: Promise<void>;
  private startedAt = 0;

  private constructor(
    private readonly client: pg.Client,
    private readonly batches: Buffer[][],
    private readonly recordsPerSecond: number,
  ) {}

  /** Connects, empties the table and builds up to `seconds` of rows; nothing is sent yet. */
  static async prepare(
    url: string,
    recordsPerSecond: number,
    seconds: number,
  ): Promise<PostgresFeeder> {
    const total = Math.round(recordsPerSecond * seconds);
    const start = Date.now();
    const record = (i: number) =>
      stampedRecord('import', importRowCount(i), start + Math.floor((i * 1000) / recordsPerSecond));
    // Batch by batch, so only their bytes stay: no records for the collector during the round.
    const batches: Buffer[][] = [];
    for (let i = 0; i < total; i += rowsPerBatch) {
      const records = Array.from({ length: Math.min(rowsPerBatch, total - i) }, (_, k) =>
        record(i + k),
      );
      const chunks: Buffer[] = [];
      for await (const chunk of copyRows(records)) chunks.push(chunk);
      batches.push(chunks);
    }
    const client = new pg.Client({ connectionString: url });
    // A lost connection fails the COPY under way, which stop() reports.
    client.on('error', () => undefined);
    await client.connect();
    await client.query('TRUNCATE metadata');
    return new PostgresFeeder(client, batches, recordsPerSecond);
  }

  /** Sends each batch once its rows are due (right away when behind), until stopped. */
  start(): void {
    this.startedAt = performance.now();
    this.feeding = this.feed();
    // Reported by stop(), not by the process as unhandled meanwhile.
    this.feeding.catch(() => undefined);
  }

  /** Rows due by now beyond the batch under way: a feeder behind its pace loads the database less. */
  get behindRows(): number {
    const due = ((performance.now() - this.startedAt) / 1000) * this.recordsPerSecond;
    return Math.max(0, Math.floor(due) - (this.sent + 1) * rowsPerBatch);
  }

  /**
   * Stops after the batch under way; resolves to the rows sent, once the
   * table holds them all. Throws if it ran out of rows before, or lost any.
   */
  async stop(): Promise<number> {
    this.stopped = true;
    try {
      await this.feeding;
      if (this.sent === this.batches.length) {
        throw new Error(
          `the feeder ran out of its ${this.batches.length} batches before it was stopped`,
        );
      }
      const { rows } = await this.client.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM metadata',
      );
      // Every batch but the last is whole, and the last was not sent.
      const rowsSent = this.sent * rowsPerBatch;
      if (rows[0].count !== rowsSent) {
        throw new Error(`the feeder sent ${rowsSent} rows and the table holds ${rows[0].count}`);
      }
      return rowsSent;
    } finally {
      await this.client.end();
    }
  }

  private async feed(): Promise<void> {
    for (; this.sent < this.batches.length && !this.stopped; this.sent++) {
      const dueMs = (((this.sent + 1) * rowsPerBatch) / this.recordsPerSecond) * 1000;
      const wait = dueMs - (performance.now() - this.startedAt);
      if (wait > 0) await setTimeout(wait);
      if (this.stopped) break;
      await pipeline(
        Readable.from(this.batches[this.sent]),
        this.client.query(copyFrom(copyMetadata)),
      );
    }
  }
}
