import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MetadataQueryService,
  MetadataController,
  BrokerService,
  EngineRegistry,
  MetadataStore,
  MetaqueueModule,
  type MetadataRecord,
} from '../../src/lib/index.js';
import { defaults } from '../../src/lib/metaqueue.defaults.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';

const backend = serverUrl ? 'PostgreSQL' : 'PGlite';

interface Item {
  id: string;
  topic: string;
  name: string;
  location: string;
  context: string;
  data: unknown;
  publishedAt: string;
  storedAt: string;
}

interface Page {
  items: Item[];
  nextCursor: string | null;
}

describe(`GET /metadata, store on ${backend}`, () => {
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;
  let published: MetadataRecord[];
  let boundary: Date;

  // One app for the whole file: the tests only read.
  beforeAll(async () => {
    db = await createTestDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [
        MetaqueueModule.forRoot({
          topics: ['jobs', 'checks', 'blobs', 'huge', 'long'],
          store: db.store,
          broker: { flushIntervalMs: 3_600_000 },
        }),
      ],
      controllers: [MetadataController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    url = `http://127.0.0.1:${port}`;

    const registry = app.get(EngineRegistry);
    const publish = (i: number) =>
      registry.get(i % 3 === 0 ? 'checks' : 'jobs').publish({
        data: { i },
        name: i % 2 ? 'odd_rows' : 'even_rows',
        location: `table_${i % 5}`,
        context: i % 7 === 0 ? 'sevens' : 'other',
      });
    // Many records share a millisecond: pages must break ties by id.
    published = (await Promise.all(Array.from({ length: 150 }, (_, i) => publish(i)))).map(
      (r) => r!,
    );
    const last = Math.max(...published.map((r) => r.publishedAt.getTime()));
    while (Date.now() <= last) await new Promise((resolve) => setTimeout(resolve, 1));
    boundary = new Date();
    published.push(
      ...(await Promise.all(Array.from({ length: 100 }, (_, i) => publish(150 + i)))).map(
        (r) => r!,
      ),
    );
    await app.get(BrokerService).flush();
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  const get = async (query: Record<string, string | number>) => {
    const params = new URLSearchParams(
      Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
    );
    const response = await fetch(`${url}/metadata?${params.toString()}`);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as Page & { message: string },
    };
  };

  /** Every page of a query, following the cursors. */
  const readAll = async (query: Record<string, string | number>) => {
    const items: Item[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body } = await get(cursor ? { ...query, cursor } : query);
      expect(status).toBe(200);
      items.push(...body.items);
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    return { items, pages };
  };

  const idsWhere = (keep: (r: MetadataRecord) => boolean) =>
    published
      .filter(keep)
      .map((r) => r.id)
      .sort();

  it('pages through every record once, in order, with the default and a small limit', async () => {
    for (const limit of [undefined, 7]) {
      const { items, pages } = await readAll(limit ? { limit } : {});
      const ids = items.map((item) => item.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(idsWhere(() => true));
      expect(pages).toBe(Math.ceil(250 / (limit ?? 100)));
      for (let i = 1; i < items.length; i++) {
        const [a, b] = [items[i - 1], items[i]];
        const order =
          Date.parse(a.publishedAt) - Date.parse(b.publishedAt) || (a.id < b.id ? -1 : 1);
        expect(order).toBeLessThan(0);
      }
    }
  });

  it('pages newest first with order=newest, and filters by containment in data', async () => {
    const { items, pages } = await readAll({ order: 'newest', limit: 30 });
    expect(pages).toBe(Math.ceil(250 / 30));
    expect(items.map((item) => item.id).sort()).toEqual(idsWhere(() => true));
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1], items[i]];
      const order = Date.parse(a.publishedAt) - Date.parse(b.publishedAt) || (a.id < b.id ? -1 : 1);
      expect(order).toBeGreaterThan(0);
    }
    const { body } = await get({ data: JSON.stringify({ i: 42 }) });
    expect(body.items.map((item) => item.data)).toEqual([{ i: 42 }]);
    expect((await get({ data: '{"i":' })).status).toBe(400);
  });

  it('returns each record as it was published', async () => {
    const { body } = await get({ topic: 'checks', limit: 1 });
    const [item] = body.items;
    const record = published.find((r) => r.id === item.id)!;
    expect(item).toEqual({
      id: record.id,
      topic: 'checks',
      name: record.name,
      location: record.location,
      context: record.context,
      data: record.data,
      publishedAt: record.publishedAt.toISOString(),
      storedAt: expect.any(String),
    });
  });

  it('filters by topic, name, location and context, together and across pages', async () => {
    const cases: [Record<string, string>, (r: MetadataRecord) => boolean][] = [
      [{ topic: 'checks' }, (r) => r.topic === 'checks'],
      [{ name: 'odd_rows' }, (r) => r.name === 'odd_rows'],
      [{ location: 'table_3' }, (r) => r.location === 'table_3'],
      [{ context: 'sevens' }, (r) => r.context === 'sevens'],
      [
        { topic: 'jobs', name: 'even_rows', location: 'table_2' },
        (r) => r.topic === 'jobs' && r.name === 'even_rows' && r.location === 'table_2',
      ],
      [{ topic: 'nothing-here' }, () => false],
    ];
    for (const [query, keep] of cases) {
      const { items } = await readAll({ ...query, limit: 9 });
      expect(items.map((i) => i.id).sort()).toEqual(idsWhere(keep));
    }
  });

  it('filters by publish time: from inclusive, to exclusive', async () => {
    const before = (r: MetadataRecord) => r.publishedAt < boundary;
    const { items: early } = await readAll({ to: boundary.toISOString(), limit: 1000 });
    expect(early.map((i) => i.id).sort()).toEqual(idsWhere(before));
    expect(early).toHaveLength(150);
    const { items: late } = await readAll({ from: boundary.toISOString(), topic: 'jobs' });
    expect(late.map((i) => i.id).sort()).toEqual(idsWhere((r) => !before(r) && r.topic === 'jobs'));
    // An offset written unencoded arrives with a space for its '+'.
    const offset = `${new Date(boundary.getTime() + 2 * 3_600_000).toISOString().slice(0, 23)} 02:00`;
    const { body } = await get({ from: offset, limit: 1000 });
    expect(body.items).toHaveLength(100);
    const { items: none } = await readAll({ to: '2000-01-01' });
    expect(none).toEqual([]);
  });

  it('keeps microsecond publish times apart in cursors', async () => {
    const store = app.get(MetadataStore);
    const ids = ['00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000001'];
    await store.dataSource.query(
      `INSERT INTO metadata (id, topic, name, location, context, data, published_at)
       VALUES ($1, 'micro', 'n', 'l', 'c', '1', '2001-01-01T00:00:00.000400Z'),
              ($2, 'micro', 'n', 'l', 'c', '2', '2001-01-01T00:00:00.000900Z')`,
      ids,
    );
    try {
      const { items, pages } = await readAll({ topic: 'micro', limit: 1 });
      expect(items.map((i) => i.id)).toEqual(ids);
      expect(pages).toBe(2);
    } finally {
      await store.dataSource.query(`DELETE FROM metadata WHERE topic = 'micro'`);
    }
  });

  it('answers 400 with the reason on bad input', async () => {
    const { body: page } = await get({ limit: 1 });
    const tampered = Buffer.from(
      JSON.stringify(['2026-01-01T00:00:00.000000Z', 'not-a-uuid']),
    ).toString('base64url');
    const bad: [string, RegExp][] = [
      ['from=yesterday', /'from'.*not a date/],
      ['to=2026-02-31', /'to'.*not a date/],
      ['from=2026-01-01T10:00:00', /'from'.*not a date/],
      ['from=2026-01-02&to=2026-01-01', /'from' must be before 'to'/],
      ['limit=0', /'limit'.*1 to 1000/],
      ['limit=5000', /'limit'.*1 to 1000/],
      ['limit=1.5', /'limit'/],
      ['limit=abc', /'limit'/],
      ['cursor=nonsense', /'cursor'/],
      [`cursor=${tampered}`, /'cursor'/],
      [`cursor=${page.nextCursor!.slice(0, -2)}`, /'cursor'/],
      ['topic=', /'topic'.*non-empty/],
      ['topic=a&topic=b', /'topic'.*more than once/],
      ['colour=red', /Unknown query parameter 'colour'/],
      // Valid JSON that jsonb cannot hold: "value overflows numeric format" from the database.
      ['data=1e1000000', /'data' holds the number 1e1000000, which PostgreSQL cannot store/],
      ['data=%5B1e1000000%5D', /'data' holds the number 1e1000000/],
      ['data=1e-1000000', /'data' holds the number 1e-1000000/],
      ['data=%7B%22i%22%3A0.5e-16383%7D', /'data' holds the number 0.5e-16383/],
    ];
    for (const [query, reason] of bad) {
      const response = await fetch(`${url}/metadata?${query}`);
      const body = (await response.json()) as { statusCode: number; message: string };
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(body.message).toMatch(reason);
    }
  });

  it('takes the largest and smallest numbers jsonb holds in a data filter', async () => {
    for (const data of ['1e131071', '[-1e131071]', '1e-16383', '{"i":"1e1000000"}']) {
      const response = await fetch(`${url}/metadata?data=${encodeURIComponent(data)}`);
      expect({ data, status: response.status }).toEqual({ data, status: 200 });
    }
  });

  it('answers through the service with typed input too', async () => {
    const service = app.get(MetadataQueryService);
    const page = await service.find({ topic: 'checks', from: boundary, limit: 5 });
    expect(page.items).toHaveLength(5);
    expect(page.items[0].publishedAt).toBeInstanceOf(Date);
    expect(page.items.every((i) => i.publishedAt >= boundary)).toBe(true);
    await expect(service.find({ limit: 1001 })).rejects.toThrow(/'limit'/);
    await expect(service.find({ from: new Date(NaN) })).rejects.toThrow(/'from'/);
  });

  it('finds one record by id, in either case, and nothing for an id that is no UUID', async () => {
    const service = app.get(MetadataQueryService);
    const [first] = (await service.find({ limit: 1 })).items;
    expect(await service.findOne(first.id.toUpperCase())).toMatchObject({ id: first.id });
    for (const id of ['not-a-uuid', '', `${first.id}0`]) {
      expect(await service.findOne(id)).toBeUndefined();
    }
  });

  it('bounds a page by bytes as well as rows, and pages through large records exactly', async () => {
    const mib = 1024 * 1024;
    const registry = app.get(EngineRegistry);
    const blobs = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        registry.get('blobs').publish({
          data: { i, text: 'x'.repeat(mib) },
          name: 'blob',
          location: 'l',
          context: 'c',
        }),
      ),
    );
    await app.get(BrokerService).flush();
    const first = await get({ topic: 'blobs', limit: 1000 });
    expect(first.type).toMatch(/^application\/json/);
    const { maxPageBytes } = defaults.query;
    expect(first.body.items.length).toBe(Math.floor(maxPageBytes / (mib + 100)));
    expect(first.body.nextCursor).not.toBeNull();
    const { items, pages } = await readAll({ topic: 'blobs', limit: 1000 });
    expect(pages).toBe(Math.ceil(9 / first.body.items.length));
    const inOrder = blobs
      .map((r) => r!)
      .sort((a, b) => a.publishedAt.getTime() - b.publishedAt.getTime() || (a.id < b.id ? -1 : 1));
    expect(items.map((item) => item.id)).toEqual(inOrder.map((r) => r.id));
    expect(items.map((item) => (item.data as { i: number }).i)).toEqual(
      inOrder.map((r) => (r.data as { i: number }).i),
    );
    expect(items.every((item) => (item.data as { text: string }).text.length === mib)).toBe(true);
  });

  it('pages past a record larger than a page by itself', async () => {
    const registry = app.get(EngineRegistry);
    const huge = registry.get('huge');
    const data = 'x'.repeat(defaults.query.maxPageBytes - 2);
    const first = await huge.publish({ data, name: 'huge', location: 'l', context: 'c' });
    // Published later than the huge one, so the first page is that record alone.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const rest = await Promise.all(
      [1, 2].map((i) => huge.publish({ data: i, name: 'after', location: 'l', context: 'c' })),
    );
    await app.get(BrokerService).flush();
    const { items, pages } = await readAll({ topic: 'huge' });
    expect(items.map((item) => item.id)).toEqual(
      [
        first,
        ...rest.sort(
          (a, b) => a!.publishedAt.getTime() - b!.publishedAt.getTime() || (a!.id < b!.id ? -1 : 1),
        ),
      ].map((r) => r!.id),
    );
    expect(pages).toBe(2);
  });

  it('tells apart locations of up to 4 KiB that share their indexed prefix', async () => {
    // The index holds a location's first 256 characters; these share 300, 2 bytes each.
    const shared = 'é'.repeat(300);
    const at = (end: string) => shared + end.repeat(4_096 - 600);
    const long = app.get(EngineRegistry).get('long');
    const records = await Promise.all(
      ['a', 'b', 'a', 'b', 'b'].map((end, i) =>
        long.publish({ data: i, name: 'long', location: at(end), context: 'c' }),
      ),
    );
    await app.get(BrokerService).flush();
    for (const end of ['a', 'b']) {
      const { items } = await readAll({ location: at(end), limit: 2 });
      expect(items.map((i) => i.id).sort()).toEqual(
        records
          .filter((r) => r!.location === at(end))
          .map((r) => r!.id)
          .sort(),
      );
    }
    expect((await readAll({ location: shared })).items).toEqual([]);
  });
});
