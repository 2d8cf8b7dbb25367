import { describeError } from '../../lib/errors/describe-error.util.js';
import type { MetadataPage, MetadataQuery, StoredMetadata } from '../../lib/index.js';
import { cliMessages } from '../cli.messages.js';
import { CliError, exitCodes } from '../exit-codes.js';
import type { RecordPages } from './record-pages.interface.js';

/** How long a page may take to arrive; the server bounds its own reads (reads.statementTimeoutMs). */
const pageTimeoutMs = 60_000;
/** How long a server has to answer the question whether it is there. */
const probeTimeoutMs = 2_000;

/**
 * Pages read through a running app's GET /metadata (`MetadataController`),
 * which reads the store the app holds: the way to the records of an app
 * whose embedded store no other process may open.
 */
export class ServerPages implements RecordPages {
  readonly source: string;
  private readonly endpoint: URL;

  /** `base` is the app's address; GET /metadata is read under it (or `base` itself, if it ends so). */
  constructor(base: string) {
    this.endpoint = metadataEndpoint(base);
    this.source = `the server at ${this.endpoint.origin}`;
  }

  /** Whether an app answers GET /metadata at `base` with a page of records. */
  static async answers(base: string): Promise<boolean> {
    try {
      await new ServerPages(base).page({ limit: 1 }, probeTimeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  async page(query: MetadataQuery, timeoutMs = pageTimeoutMs): Promise<MetadataPage> {
    const url = new URL(this.endpoint);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const reason = describeError((error as Error).cause ?? error);
      throw new CliError(
        cliMessages.serverUnreachable(this.endpoint.href, reason),
        exitCodes.unavailable,
      );
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      // Nest's error body: { statusCode, message, error }; a message may be a list.
      const message = (body as { message?: unknown } | undefined)?.message;
      const reason = typeof message === 'string' ? message : JSON.stringify(message);
      throw new CliError(
        cliMessages.serverRefused(url.href, response.status, reason ?? response.statusText),
        response.status === 400 ? exitCodes.usage : exitCodes.unavailable,
      );
    }
    if (!isPage(body)) {
      throw new CliError(cliMessages.notAMetadataPage(url.href), exitCodes.unavailable);
    }
    return {
      items: body.items.map((item) => ({
        ...item,
        publishedAt: new Date(item.publishedAt),
        storedAt: new Date(item.storedAt),
      })),
      nextCursor: body.nextCursor,
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A page as JSON gives it: the dates as text. */
interface PageText {
  items: (Omit<StoredMetadata, 'publishedAt' | 'storedAt'> & {
    publishedAt: string;
    storedAt: string;
  })[];
  nextCursor: string | null;
}

function isPage(body: unknown): body is PageText {
  const page = body as Partial<PageText> | undefined;
  return (
    Array.isArray(page?.items) &&
    (page.nextCursor === null || typeof page.nextCursor === 'string') &&
    page.items.every((item) => typeof item?.id === 'string' && typeof item.publishedAt === 'string')
  );
}

function metadataEndpoint(base: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new CliError(cliMessages.invalidUrl(base), exitCodes.usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(cliMessages.invalidUrl(base), exitCodes.usage);
  }
  if (!url.pathname.endsWith('/metadata')) {
    url.pathname = `${url.pathname.replace(/\/$/, '')}/metadata`;
  }
  url.search = '';
  return url;
}
