import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { boardSecurityHeaders } from './board-security-headers.js';

/** What the interceptor needs of the response: Express and Fastify both have it. */
interface HeaderSetter {
  header(name: string, value: string): unknown;
}

/** Sets the board's security headers before the handler runs, so errors carry them too. */
@Injectable()
export class BoardHeadersInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response = context.switchToHttp().getResponse<HeaderSetter>();
    for (const [name, value] of Object.entries(boardSecurityHeaders)) response.header(name, value);
    return next.handle();
  }
}
