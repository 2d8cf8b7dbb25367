import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BrokerService,
  EngineRegistry,
  InvalidMetadataError,
  MetadataController,
  MetaqueueModule,
  OpenMetricsFileConnector,
  type Metadata,
  type MetadataRecord,
} from '../../src/lib/index.js';
import { metadataLimits } from '../../src/lib/engine/metadata-limits.constants.js';
import {
  describeWithOpenMetricsTools,
  parseOpenMetrics,
  promtoolImport,
  recordOf,
} from '../support/openmetrics-tools.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';

/** Strings that are hard for SQL, for JSON, for the OpenMetrics text format and for file systems. */
const hostile: Record<string, string> = {
  sqlInjection: `'; DROP TABLE metadata; --`,
  sqlQuotes: `it's "double" and $$dollar$$ and $1 and E'\\n'`,
  copyEscapes: 'tab\there \\N \\. \\\\ end',
  jsonBreakers: '"}], "x": {"y": [',
  jsonLineSeparators: 'a\u2028b\u2029c',
  escapedNulText: '\\u0000 written out, not a NUL',
  lineBreaks: 'lf\ncr\rcrlf\r\nvt\u000bff\u000cnel\u0085',
  controls: 'bell\u0007 esc\u001b del\u007f \u0001\u001f',
  openMetricsEof: 'line\n# EOF\n',
  openMetricsType: '# TYPE fake counter\nfake_total 1',
  openMetricsLabels: 'a="b",c="d"} 1 2\nx{',
  backslashes: '\\\\\\" \\n \\',
  pathTraversal: '../../../etc/passwd',
  windowsNames: 'CON NUL COM1 a:b*c?d<e>f|g',
  slashes: 'a/b\\c//d',
  dots: '..',
  emoji: '😀👩‍👩‍👧‍👦🏳️‍🌈',
  rtl: '\u202eevil\u202c שלום مرحبا',
  combining: 'e\u0301\u0301\u0301 Z̤͔ͧ̑̓',
  bom: '\ufeffbom',
  spaces: ' \u00a0\u2003 ',
  cjk: '日本語の文字列',
};

/** Names valid as OpenMetrics metric names, some with the suffixes the format reserves. */
const hostileNames = [
  'x',
  '_',
  ':',
  'ns:sub:metric',
  'requests_total',
  'requests_created',
  'latency_bucket',
  'latency_count',
  'latency_sum',
  'build_info',
  'a'.repeat(metadataLimits.nameLength),
];

const bytes = (n: number) => 'é'.repeat(n / 2); // two UTF-8 bytes each
const nested = (depth: number) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { level: value };
  return value;
};
// A JSON string of n bytes: its quotes take two.
const dataOfBytes = (n: number) => 'x'.repeat(n - 2);

interface Case {
  label: string;
  metadata: Metadata;
  /** The field the error must name, for a case publish must reject. */
  rejects?: string;
}

function corpus(): Case[] {
  const cases: Case[] = [];
  const base = { data: 1, name: 'hostile', location: 'l', context: 'c' };
  for (const [label, text] of Object.entries(hostile)) {
    cases.push({ label: `location ${label}`, metadata: { ...base, location: text } });
    cases.push({ label: `context ${label}`, metadata: { ...base, context: text } });
    cases.push({ label: `data string ${label}`, metadata: { ...base, data: text } });
    cases.push({
      label: `data key and value ${label}`,
      metadata: { ...base, data: { [text]: [text, { nested: text }] } },
    });
  }
  for (const name of hostileNames) {
    cases.push({ label: `name ${name.slice(0, 20)}`, metadata: { ...base, name } });
  }
  const { nameLength, labelBytes, dataBytes, depth } = metadataLimits;
  cases.push(
    { label: 'location at the limit', metadata: { ...base, location: bytes(labelBytes) } },
    {
      label: 'location one byte past',
      metadata: { ...base, location: `${bytes(labelBytes)}a` },
      rejects: 'location',
    },
    { label: 'context at the limit', metadata: { ...base, context: bytes(labelBytes) } },
    {
      label: 'context one byte past',
      metadata: { ...base, context: `a${bytes(labelBytes)}` },
      rejects: 'context',
    },
    {
      label: 'name one past',
      metadata: { ...base, name: 'a'.repeat(nameLength + 1) },
      rejects: 'name',
    },
    { label: 'data at the limit', metadata: { ...base, data: dataOfBytes(dataBytes) } },
    {
      label: 'data one byte past',
      metadata: { ...base, data: dataOfBytes(dataBytes + 1) },
      rejects: 'data',
    },
    { label: 'data at the nesting limit', metadata: { ...base, data: nested(depth - 1) } },
    {
      label: 'data one level past',
      metadata: { ...base, data: nested(depth + 5) },
      rejects: `data${'.level'.repeat(depth)}`,
    },
    {
      label: 'data thousands of levels deep',
      metadata: { ...base, data: nested(5_000) },
      rejects: `data${'.level'.repeat(depth)}`,
    },
  );
  for (const field of ['name', 'location', 'context'] as const) {
    cases.push(
      { label: `${field} with NUL`, metadata: { ...base, [field]: 'a\u0000b' }, rejects: field },
      { label: `${field} empty`, metadata: { ...base, [field]: '' }, rejects: field },
    );
  }
  cases.push(
    {
      label: 'location lone surrogate',
      metadata: { ...base, location: 'a\ud800' },
      rejects: 'location',
    },
    { label: 'data NUL', metadata: { ...base, data: 'a\u0000' }, rejects: 'data' },
    {
      label: 'data lone surrogate key',
      metadata: { ...base, data: { '\udc00': 1 } },
      rejects: 'data',
    },
    { label: 'name with a space', metadata: { ...base, name: 'has space' }, rejects: 'name' },
    { label: 'name with a dash', metadata: { ...base, name: 'has-dash' }, rejects: 'name' },
    { label: 'name from a digit', metadata: { ...base, name: '1abc' }, rejects: 'name' },
  );
  return cases;
}

interface StoredItem {
  id: string;
  topic: string;
  name: string;
  location: string;
  context: string;
  data: unknown;
  publishedAt: string;
}

const expected = (r: MetadataRecord) => ({
  id: r.id,
  topic: r.topic,
  name: r.name,
  location: r.location,
  context: r.context,
  data: JSON.parse(r.json) as unknown,
  publishedAt: r.publishedAt.getTime(),
});

describeWithOpenMetricsTools(
  `hostile inputs, every field (${serverUrl ? 'PostgreSQL' : 'PGlite'})`,
  () => {
    let db: TestDatabase;
    let dir: string;
    let app: INestApplication | undefined;
    // Topics are labels in the file and values in the table: hostile too.
    const topics = [hostile.sqlInjection, hostile.openMetricsLabels, hostile.emoji];

    beforeEach(async () => {
      // The test reads the table after its app has closed.
      db = await createTestDatabase({ reopen: true });
      dir = mkdtempSync(join(tmpdir(), 'metaqueue-hostile-'));
    });
    afterEach(async () => {
      await app?.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('each is rejected naming its field, or read back exactly from the table, the file and GET /metadata', async () => {
      const path = join(dir, 'log.txt');
      const moduleRef = await Test.createTestingModule({
        imports: [
          MetaqueueModule.forRoot({
            topics,
            store: db.store,
            connectors: [new OpenMetricsFileConnector({ samples: 'per-record', path })],
            broker: { flushIntervalMs: 3_600_000 },
          }),
        ],
        controllers: [MetadataController],
      }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
      const registry = app.get(EngineRegistry);

      const accepted: MetadataRecord[] = [];
      const wrongFate: string[] = [];
      const cases = corpus();
      for (const [i, { label, metadata, rejects }] of cases.entries()) {
        const topic = topics[i % topics.length];
        try {
          const record = await registry.get(topic).publish(metadata);
          accepted.push(record!);
          if (rejects) wrongFate.push(`${label}: accepted, expected a rejection of ${rejects}`);
        } catch (error) {
          const field = error instanceof InvalidMetadataError ? error.field : String(error);
          if (field !== rejects) wrongFate.push(`${label}: rejected on ${field}`);
        }
      }
      expect(wrongFate).toEqual([]);
      expect(accepted.length).toBeGreaterThan(100);
      await app.get(BrokerService).flush();
      expect(app.get(BrokerService).counters.sinks.store.deadLettered).toBe(0);

      // The API, page by page.
      const fromApi = new Map<string, ReturnType<typeof expected>>();
      let cursor: string | null = null;
      do {
        const query = new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) });
        const response = await fetch(`${url}/metadata?${query.toString()}`);
        expect(response.status).toBe(200);
        const page = (await response.json()) as { items: StoredItem[]; nextCursor: string | null };
        for (const item of page.items) {
          const { id, topic, name, location, context, data } = item;
          const publishedAt = Date.parse(item.publishedAt);
          fromApi.set(id, { id, topic, name, location, context, data, publishedAt });
        }
        cursor = page.nextCursor;
      } while (cursor);

      // Closed: the file is complete, and an embedded store's directory free for this process.
      await app.close();
      app = undefined;

      // The table, through SQL; text as UTF-8 bytes, since PGlite's client eats a leading U+FEFF.
      const utf8 = (column: string) =>
        `encode(convert_to(${column}, 'UTF8'), 'base64') AS ${column}`;
      const rows = await db.query<
        Record<'id' | 'topic' | 'name' | 'location' | 'context', string> & {
          data: unknown;
          published_at: Date;
        }
      >(
        `SELECT id, ${['topic', 'name', 'location', 'context'].map(utf8).join(', ')}, data, published_at FROM metadata`,
      );
      const text = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');
      const fromTable = new Map(
        rows.map((r) => [
          r.id,
          {
            id: r.id,
            topic: text(r.topic),
            name: text(r.name),
            location: text(r.location),
            context: text(r.context),
            data: r.data,
            publishedAt: new Date(r.published_at).getTime(),
          },
        ]),
      );

      // The file: by the strict parser, and by promtool.
      const samples = parseOpenMetrics(path);
      const fromFile = new Map(samples.map((s) => [s.labels.id, recordOf(s)]));
      expect(promtoolImport(path)).toBe(accepted.length);

      for (const record of accepted) {
        const want = expected(record);
        expect(fromTable.get(record.id)).toEqual(want);
        expect(fromApi.get(record.id)).toEqual(want);
        expect(fromFile.get(record.id)).toEqual(want);
      }
      expect([fromTable.size, fromApi.size, fromFile.size]).toEqual([
        accepted.length,
        accepted.length,
        accepted.length,
      ]);
    });
  },
);
