import { text } from 'node:stream/consumers';
import { streamPage } from '../../../src/lib/query/metadata-page-stream.js';
import type { MetadataPage } from '../../../src/lib/index.js';

const item = (i: number) => ({
  id: `00000000-0000-4000-8000-00000000000${i}`,
  topic: 't',
  name: 'n "quoted"',
  location: 'line\nbreak \u2028',
  context: '\\',
  data: { i, nested: [null, 'x'] },
  publishedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
  storedAt: new Date(Date.UTC(2026, 0, 1, 0, 1, i)),
});

describe('streamPage', () => {
  it.each([
    ['an empty page', { items: [], nextCursor: null }],
    ['one record', { items: [item(1)], nextCursor: 'abc' }],
    ['several records', { items: [item(1), item(2), item(3)], nextCursor: null }],
  ])('streams exactly what JSON.stringify gives, for %s', async (_, page: MetadataPage) => {
    const file = streamPage(page);
    expect(file.getHeaders().type).toBe('application/json; charset=utf-8');
    expect(await text(file.getStream())).toBe(JSON.stringify(page));
  });
});
