import pg from 'pg';
import type { DataSource } from 'typeorm';
import { ReadCancelledError, ReadTimeoutError } from '../../errors/metaqueue.errors.js';
import { httpMessages } from '../../metaqueue.messages.js';
import { isStatementTimeout } from '../database-errors.js';
import { MetadataReads, type ReadCursor } from './metadata-reads.js';

/** The connection fields of a PostgreSQL DataSource's options. */
interface ConnectionOptions {
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: unknown;
  database?: string;
  ssl?: pg.ClientConfig['ssl'];
}

/** How read sessions show in `pg_stat_activity`. */
export const readApplicationName = 'metaqueue reads';

/**
 * Reads on a pool of their own, opened from the same connection options as
 * the store's DataSource (metaqueue's or the application's), so that reads
 * can never take the connections a flush needs. Every session has a
 * `statement_timeout`; a read whose client went away is cancelled on the
 * server (`pg_cancel_backend`, from one more session kept for it), not left
 * to run to its end.
 */
export class ServerReads extends MetadataReads {
  private readonly pool: pg.Pool;
  private readonly connection: pg.ClientConfig;
  private canceller?: Promise<pg.Client>;
  private cancels: Promise<void> = Promise.resolve();

  constructor(
    dataSource: DataSource,
    private readonly poolSize: number,
    private readonly timeoutMs: number,
  ) {
    super();
    const options = dataSource.options as ConnectionOptions;
    this.connection = {
      connectionString: options.url,
      host: options.host,
      port: options.port,
      user: options.username,
      password: typeof options.password === 'string' ? options.password : undefined,
      database: options.database,
      ssl: options.ssl,
      application_name: readApplicationName,
    };
    this.pool = new pg.Pool({
      ...this.connection,
      max: poolSize,
      statement_timeout: timeoutMs,
      // Waiting for a connection counts against the same bound as running.
      connectionTimeoutMillis: timeoutMs,
    });
    // An idle connection the server dropped: the pool replaces it; nothing to report.
    this.pool.on('error', () => undefined);
  }

  async query<T>(sql: string, params: unknown[], signal?: AbortSignal): Promise<T[]> {
    const client = await this.connect(signal);
    try {
      return await this.run<T>(client, sql, params, signal);
    } finally {
      client.release();
    }
  }

  async cursor<T>(
    sql: string,
    params: unknown[],
    batchSize: number,
    signal?: AbortSignal,
  ): Promise<ReadCursor<T>> {
    const client = await this.connect(signal);
    let open = true;
    const close = async () => {
      if (!open) return;
      open = false;
      // A session left in a failed transaction is of no use to the next read.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (error: Error) => client.release(error),
      );
    };
    const fetch = () => this.run<T>(client, `FETCH ${batchSize} FROM metaqueue_read`, [], signal);
    try {
      await this.run(client, 'BEGIN READ ONLY', [], signal);
      await this.run(client, `DECLARE metaqueue_read NO SCROLL CURSOR FOR ${sql}`, params, signal);
      let first: T[] | undefined = await fetch();
      return {
        next: async () => {
          const rows = first ?? (open ? await fetch() : []);
          first = undefined;
          return rows;
        },
        close,
      };
    } catch (error) {
      await close();
      throw error;
    }
  }

  async close(): Promise<void> {
    const canceller = this.canceller;
    this.canceller = undefined;
    await Promise.all([
      this.pool.end(),
      canceller?.then((client) => client.end()).catch(() => undefined),
    ]);
  }

  private async connect(signal?: AbortSignal): Promise<pg.PoolClient> {
    if (signal?.aborted) throw new ReadCancelledError();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      if (/timeout exceeded when trying to connect/.test((error as Error).message)) {
        throw new ReadTimeoutError(httpMessages.readsBusy(this.poolSize, this.timeoutMs));
      }
      throw error;
    }
    // The client left while this read waited for a connection: give it straight back.
    if (signal?.aborted) {
      client.release();
      throw new ReadCancelledError();
    }
    return client;
  }

  /** One statement, cancelled on the server if `signal` aborts while it runs. */
  private async run<T>(
    client: pg.PoolClient,
    sql: string,
    params: unknown[],
    signal?: AbortSignal,
  ): Promise<T[]> {
    if (signal?.aborted) throw new ReadCancelledError();
    let cancelling: Promise<void> | undefined;
    const cancel = () => {
      cancelling = this.cancel(client);
    };
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      return (await client.query(sql, params)).rows as T[];
    } catch (error) {
      if (signal?.aborted) throw new ReadCancelledError();
      if (isStatementTimeout(error)) {
        throw new ReadTimeoutError(httpMessages.readTimedOut(this.timeoutMs));
      }
      throw error;
    } finally {
      signal?.removeEventListener('abort', cancel);
      // The connection goes back to the pool only once the cancel can no longer hit a later read.
      await cancelling;
    }
  }

  /**
   * Cancels what `client`'s session runs, from one session kept for that
   * alone: `pg_cancel_backend()` there takes a round trip, where a new
   * connection (or the protocol's CancelRequest) makes the server start a
   * process first, while the abandoned statements go on running. Cancels
   * take turns on that session: node-postgres stops queueing queries a
   * client is already running (deprecated in pg 8, removed in 9).
   */
  private cancel(client: pg.PoolClient): Promise<void> {
    const { processID } = client as pg.PoolClient & { processID: number };
    const cancelled = this.cancels.then(() => this.cancelBackend(processID));
    this.cancels = cancelled;
    return cancelled;
  }

  private async cancelBackend(processID: number): Promise<void> {
    try {
      this.canceller ??= this.openCanceller();
      await (await this.canceller).query('SELECT pg_cancel_backend($1::int)', [processID]);
    } catch {
      // Opened again for the next cancel; this statement still ends at the statement timeout.
      this.canceller = undefined;
    }
  }

  private async openCanceller(): Promise<pg.Client> {
    const canceller = new pg.Client(this.connection);
    canceller.on('error', () => (this.canceller = undefined));
    await canceller.connect();
    return canceller;
  }
}
