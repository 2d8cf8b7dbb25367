import { Injectable, type NestMiddleware } from '@nestjs/common';
import { boardSecurityHeaders } from './board-security-headers.js';

/** The raw response under Express and Fastify alike (middleware sees Node's own on both). */
interface HeaderSetter {
  setHeader(name: string, value: string): unknown;
}

/**
 * Sets the board's security headers before guards run: a guard's refusal (a
 * 401 asking for a password) carries them as every other board response
 * does. An interceptor would be too late: it runs only once the guards let
 * the request through.
 */
@Injectable()
export class BoardHeadersMiddleware implements NestMiddleware {
  use(_request: unknown, response: HeaderSetter, next: () => void): void {
    for (const [name, value] of Object.entries(boardSecurityHeaders)) {
      response.setHeader(name, value);
    }
    next();
  }
}
