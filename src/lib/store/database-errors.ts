import { errorCode } from '../errors/describe-error.util.js';

/**
 * SQLSTATE classes that mean "this row is refused", not "the database is
 * unavailable": data exceptions (22), constraint violations (23), program
 * limits such as an oversized row (54) and errors raised by triggers (P0).
 * Retrying such a row cannot help; anything else is retried.
 */
const refusalClasses = new Set(['22', '23', '54', 'P0']);

/**
 * SQLSTATEs that mean the table is not as the migrations made it: undefined
 * table, undefined column, a column of another type.
 */
const schemaMismatches = new Set(['42P01', '42703', '42804']);

export function isSchemaMismatch(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && schemaMismatches.has(code);
}

/** A statement canceled by the server's `statement_timeout` (or by an operator). */
export function isStatementTimeout(error: unknown): boolean {
  return errorCode(error) === '57014';
}

export function isRowRefusal(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && refusalClasses.has(code.slice(0, 2));
}
