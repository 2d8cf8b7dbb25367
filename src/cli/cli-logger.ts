import type { LoggerService } from '@nestjs/common';

/**
 * The library's log lines, as a command shows them: its warnings and errors
 * on stderr, the rest left out, so that stdout holds the command's output
 * alone (a table, JSON, an OpenMetrics file).
 */
export class CliLogger implements LoggerService {
  log(): void {}

  warn(message: unknown): void {
    process.stderr.write(`metaqueue: ${String(message)}\n`);
  }

  error(message: unknown): void {
    process.stderr.write(`metaqueue: ${String(message)}\n`);
  }
}

/**
 * Routes the library's log lines through a `CliLogger`. It loads Nest, so
 * only the commands that open the library's store or connector call it.
 */
export async function routeLibraryLogs(): Promise<void> {
  const { Logger } = await import('@nestjs/common');
  Logger.overrideLogger(new CliLogger());
}
