/**
 * SQLSTATE classes that mean "this row is refused", not "the database is
 * unavailable": data exceptions (22), constraint violations (23), program
 * limits such as an oversized row (54) and errors raised by triggers (P0).
 * Retrying such a row cannot help; anything else is retried.
 */
const refusalClasses = new Set(['22', '23', '54', 'P0']);

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown; driverError?: { code?: unknown } } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isRowRefusal(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && refusalClasses.has(code.slice(0, 2));
}

export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = sqlState(error);
  return code ? `${code}: ${message}` : message;
}
