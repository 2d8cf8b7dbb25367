import { spawn } from 'node:child_process';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/test-database.js';

const root = new URL('../..', import.meta.url).pathname;

/** Runs the load app in a child process, SIGTERMs it once records flow, and returns its report. */
async function runUntilSigterm(
  db: TestDatabase,
): Promise<{ code: number | null; report: Record<string, unknown> }> {
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'test/support/load-app.ts'],
    { cwd: root, env: { ...process.env, METAQUEUE_TEST_STORE: JSON.stringify(db.store) } },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready\n')) resolve();
    });
    void exited.then(() => reject(new Error(`load app exited early: ${stderr}`)));
  });
  child.kill('SIGTERM');
  const code = await exited;
  const last = stdout.trim().split('\n').at(-1)!;
  return { code, report: JSON.parse(last) as Record<string, unknown> };
}

describe(`SIGTERM to an app under load (${serverUrl ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: TestDatabase;
  beforeEach(async () => (db = await createTestDatabase()));
  afterEach(() => db.drop());

  it('stores every record publish accepted before the process exits', async () => {
    const { report } = await runUntilSigterm(db);
    expect(report.signal).toBe('SIGTERM');
    const accepted = report.accepted as number;
    expect(accepted).toBeGreaterThanOrEqual(5_000);
    expect(report.dropped).toEqual({ 'drop-newest': 0, 'drop-oldest': 0 });
    const [{ count, distinct }] = await db.query<{ count: number; distinct: number }>(
      'SELECT count(*)::int AS count, count(DISTINCT id)::int AS distinct FROM metadata',
    );
    expect(count).toBe(accepted);
    expect(distinct).toBe(accepted);
  }, 60_000);
});
