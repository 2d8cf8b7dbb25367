import { Readable } from 'node:stream';
import { logMessages } from '../metaqueue.messages.js';
import type { ReadCursor } from '../store/reads/metadata-reads.js';
import { cursorAfter } from './metadata-cursor.js';

/** What a page's statement returns for each row, besides the record. */
export interface PageRow {
  id: string;
  /** `published_at` to the microsecond, for the cursor. */
  cursorAt: string;
  /** Within the page's byte bound; a row past it only says that more follow. */
  fits: boolean;
}

/**
 * A page as a JSON response (`{ items, nextCursor }`, the body
 * `JSON.stringify(page)` gives), read from the cursor a batch at a time, and
 * only when the consumer wants more: a client that stops reading holds one
 * batch and the stream's buffer. A client that reads nothing for
 * `stalledClientTimeoutMs` has the stream destroyed, and with it the cursor
 * and its connection.
 */
export class PageStream<R extends PageRow> extends Readable {
  private opened = false;
  private ended = false;
  private sent = 0;
  private last?: R;
  private more = false;
  private stall?: NodeJS.Timeout;

  constructor(
    private readonly cursor: ReadCursor<R>,
    private readonly limit: number,
    private readonly item: (row: R) => unknown,
    private readonly stalledClientTimeoutMs: number,
  ) {
    super();
  }

  override _read(): void {
    clearTimeout(this.stall);
    this.next().then(
      (chunk) => {
        if (this.destroyed) return;
        // Armed before push(): a consumer that wants more calls _read() again, which disarms it.
        if (chunk !== null) {
          this.stall = setTimeout(
            () => this.destroy(new Error(logMessages.stalledClient(this.stalledClientTimeoutMs))),
            this.stalledClientTimeoutMs,
          );
        }
        this.push(chunk);
      },
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.stall);
    this.cursor.close().then(
      () => callback(error),
      () => callback(error),
    );
  }

  /** The next piece of JSON text; `null` once the page is complete. */
  private async next(): Promise<string | null> {
    if (this.ended) return null;
    if (!this.opened) {
      this.opened = true;
      return '{"items":[';
    }
    for (;;) {
      const rows = await this.cursor.next();
      if (rows.length === 0) {
        this.ended = true;
        await this.cursor.close();
        return `],"nextCursor":${JSON.stringify(this.more ? cursorAfter(this.last) : null)}}`;
      }
      let text = '';
      for (const row of rows) {
        if (row.fits && this.sent < this.limit) {
          text += (this.sent++ === 0 ? '' : ',') + JSON.stringify(this.item(row));
          this.last = row;
        } else {
          this.more = true;
        }
      }
      // An empty push would end the consumer's read without asking for more.
      if (text !== '') return text;
    }
  }
}
