import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ServerResponse } from 'node:http';

/**
 * An `AbortSignal` that aborts when the client goes away before its response
 * is finished, so that its query stops with it. Express hands the handler
 * Node's response, Fastify a reply that holds it as `raw`.
 */
export const ClientGone = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const response = context.switchToHttp().getResponse<ServerResponse | { raw: ServerResponse }>();
  const raw = 'raw' in response ? response.raw : response;
  const controller = new AbortController();
  if (raw.destroyed) controller.abort();
  raw.once('close', () => {
    if (!raw.writableFinished) controller.abort();
  });
  return controller.signal;
});
