import { MetadataStore } from '../../src/lib/index.js';
import { MetadataReads } from '../../src/lib/store/reads/metadata-reads.js';
import { bootBoardApp, type BoardApp } from '../support/board-app.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';

const backend = serverUrl ? 'PostgreSQL' : 'PGlite';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * The SQL the board really runs, recorded at its reads while its
 * endpoints answer, then explained. Sequential scans are disabled for the
 * EXPLAIN, so a plan still reading table metadata in full means no index can
 * serve the query; each query must use the index named.
 */
describe(`the board's queries use the table's indexes, on ${backend}`, () => {
  let db: TestDatabase;
  let board: BoardApp;
  let store: MetadataStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The GIN index on data is opt-in: asked for here, for the containment query.
    board = await bootBoardApp({ ...db.store, indexes: ['data'] });
    store = board.app.get(MetadataStore);
    await store.dataSource.query(
      `INSERT INTO metadata (id, topic, name, location, context, data, published_at)
       SELECT gen_random_uuid(), 'imports', 'rows_' || (i % 20), 'table_' || (i % 50), 'c',
         jsonb_build_object('rows', i, 'table', 'table_' || (i % 50)),
         now() - (i * interval '1 second')
       FROM generate_series(1, 5000) AS i`,
    );
    await store.dataSource.query('ANALYZE metadata');
  });
  afterAll(async () => {
    await board?.app.close();
    await db?.drop();
  });

  async function queriesOf(path: string): Promise<[string, unknown[]][]> {
    const recorded: [string, unknown[]][] = [];
    const reads = board.app.get(MetadataReads);
    const query = reads.query.bind(reads);
    reads.query = (sql: string, params: unknown[], signal?: AbortSignal) => {
      recorded.push([sql, params]);
      return query(sql, params, signal);
    };
    try {
      const response = await fetch(`${board.url}/board${path}`);
      expect(response.status).toBe(200);
    } finally {
      reads.query = query;
    }
    return recorded;
  }

  /** A partition's index by the name of the index on table metadata it is part of. */
  async function rootIndex(name: string): Promise<string> {
    const [{ root }] = await store.dataSource.query<[{ root: string }]>(
      `SELECT coalesce(pg_partition_root(to_regclass($1))::text, $1) AS "root"`,
      [`"${name}"`],
    );
    return root.replaceAll('"', '');
  }

  async function plan(sql: string, params: unknown[]): Promise<PlanNode[]> {
    const runner = store.dataSource.createQueryRunner();
    try {
      await runner.query('SET enable_seqscan = off');
      const [row] = (await runner.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)) as {
        'QUERY PLAN': [{ Plan: PlanNode }] | string;
      }[];
      const explained = row['QUERY PLAN'];
      const parsed =
        typeof explained === 'string' ? (JSON.parse(explained) as [{ Plan: PlanNode }]) : explained;
      return nodes(parsed[0].Plan);
    } finally {
      await runner.query('RESET enable_seqscan');
      await runner.release();
    }
  }

  it.each([
    ['the table, newest first', '/api/records', ['metadata_published_at_id_idx']],
    ['a page further on', '/api/records?cursor=CURSOR', ['metadata_published_at_id_idx']],
    // Nearly every row is of topic imports: reading newest first and filtering is cheaper.
    [
      'records of a topic',
      '/api/records?topic=imports',
      ['metadata_topic_published_at_idx', 'metadata_published_at_id_idx'],
    ],
    ['records of a name', '/api/records?name=rows_3', ['metadata_name_published_at_idx']],
    [
      'records of a location',
      '/api/records?location=table_7',
      ['metadata_location_published_at_idx'],
    ],
    [
      'records whose data contains',
      '/api/records?data=%7B%22rows%22%3A42%7D',
      ['metadata_data_idx'],
    ],
    [
      'a time range',
      '/api/records?from=2026-01-01&to=2026-01-02',
      ['metadata_published_at_id_idx'],
    ],
    ['one record', '/api/records/ID', ['PK_metadata_id_published_at']],
    ['the names', '/api/names', ['metadata_name_published_at_idx']],
    ['a chart', '/api/series?name=rows_3', ['metadata_name_published_at_idx']],
    [
      'a chart of one location, zoomed',
      '/api/series?name=rows_3&location=table_3&from=2026-01-01&to=2099-01-01',
      ['metadata_name_published_at_idx', 'metadata_location_published_at_idx'],
    ],
  ])('%s', async (_, template, indexes) => {
    const first = (await (await fetch(`${board.url}/board/api/records?limit=2`)).json()) as {
      items: { id: string }[];
      nextCursor: string;
    };
    const path = template.replace('CURSOR', first.nextCursor).replace('ID', first.items[0].id);
    const queries = await queriesOf(path);
    expect(queries.length).toBeGreaterThan(0);
    for (const [sql, params] of queries) {
      const planNodes = (await plan(sql, params)).filter(
        (n) => n['Relation Name']?.startsWith('metadata') || n['Index Name'],
      );
      expect(planNodes.filter((n) => n['Node Type'] === 'Seq Scan')).toEqual([]);
      const used = await Promise.all(
        planNodes.flatMap((n) => (n['Index Name'] ? [rootIndex(n['Index Name'])] : [])),
      );
      expect(used).toEqual(
        expect.arrayContaining([expect.stringMatching(new RegExp(`^(${indexes.join('|')})$`))]),
      );
    }
  });

  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  it.each([
    ['records of one day', `/api/records?from=${today}&to=${tomorrow}`],
    ['a chart of one day', `/api/series?name=rows_3&from=${today}&to=${tomorrow}`],
  ])("%s reads only that day's partition", async (_, path) => {
    const queries = await queriesOf(path);
    expect(queries.length).toBeGreaterThan(0);
    for (const [sql, params] of queries) {
      const relations = new Set(
        (await plan(sql, params)).flatMap((n) =>
          n['Relation Name']?.startsWith('metadata') ? [n['Relation Name']] : [],
        ),
      );
      expect([...relations]).toEqual([`metadata_d${today.replaceAll('-', '')}`]);
    }
  });
});
