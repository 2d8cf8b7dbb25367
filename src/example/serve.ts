import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ServeModule } from './serve.module.js';

/** The example app as an HTTP server on PORT (default 3000), until SIGTERM or Ctrl-C. */
async function serve(): Promise<void> {
  const app = await NestFactory.create(ServeModule, { logger: ['log', 'error', 'warn'] });
  // SIGTERM and Ctrl-C close the app: the tasks stop, the broker stores what is queued.
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  console.log(
    `metaqueue example on http://localhost:${port}: the board at /board; GET /metrics, /health, /metadata?topic=imports`,
  );
}

await serve();
