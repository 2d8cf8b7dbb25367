import { StreamableFile } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { MetadataPage } from './metadata-query.interface.js';

/**
 * A page as a JSON response written record by record, with backpressure:
 * the same body `JSON.stringify(page)` gives, without ever holding all of it
 * as one string beside the records.
 */
export function streamPage(page: MetadataPage): StreamableFile {
  return new StreamableFile(Readable.from(pageJson(page), { objectMode: false }), {
    type: 'application/json; charset=utf-8',
  });
}

function* pageJson(page: MetadataPage): Generator<string> {
  yield '{"items":[';
  for (let i = 0; i < page.items.length; i++) {
    yield (i === 0 ? '' : ',') + JSON.stringify(page.items[i]);
  }
  yield `],"nextCursor":${JSON.stringify(page.nextCursor)}}`;
}
