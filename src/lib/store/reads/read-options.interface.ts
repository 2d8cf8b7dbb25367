/**
 * How `/metadata`, `MetadataQueryService` and the board read: apart from the
 * store's writes, bounded in time, and let go when the client is.
 */
export interface ReadOptions {
  /**
   * Connections of the read pool, apart from the store's. Default: the
   * host's cores less one, from 1 to 3, so heavy reads leave a core to the writer.
   */
  poolSize?: number;
  /**
   * The longest a read may run, or wait for a connection (on PGlite, for the
   * database thread): then it is refused with a 503. Default 15000 ms.
   */
  statementTimeoutMs?: number;
  /**
   * How long a streamed response may wait for a client that does not read it:
   * then the response is cut and its query released. Default 10000 ms.
   */
  stalledClientTimeoutMs?: number;
}

/** The module options reads are configured from. */
export interface ReadModuleOptions {
  reads?: ReadOptions;
}
