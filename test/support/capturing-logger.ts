import { ConsoleLogger } from '@nestjs/common';

/** A Nest logger that keeps every line, `<context> <message>`, instead of printing it. */
export class CapturingLogger extends ConsoleLogger {
  readonly lines: string[] = [];

  protected override printMessages(messages: unknown[], context?: string): void {
    this.lines.push(
      `${context} ${messages.map((m) => (m instanceof Error ? m.stack : String(m))).join(' ')}`,
    );
  }
}
