import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogLedger } from '../../../../src/lib/buffer/disk/log-ledger.js';
import { MetaqueueConfigError } from '../../../../src/lib/errors/metaqueue.errors.js';
import { records } from '../../../support/records.js';
import { logDir } from '../../../support/disk-log.js';

let dir: string;
beforeEach(() => (dir = logDir()));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const first = { segment: 2, offset: 8 };
const at = (segment: number, offset: number) => ({ segment, offset });

describe('LogLedger', () => {
  it('puts every sink at the start of the log when there is no ledger yet', () => {
    const ledger = new LogLedger(dir);
    ledger.load(['store', 'file'], first);
    expect(ledger.sinks).toBe(2);
    expect(ledger.earliest()).toEqual(first);
  });

  it('keeps each position in ledger.json, whole, and reads it back at the next start', () => {
    const ledger = new LogLedger(dir);
    ledger.load(['store', 'file'], first);
    expect(ledger.advance('store', at(3, 100))).toBe(true);
    ledger.save();
    expect(readdirSync(dir)).toEqual(['ledger.json']);
    expect(JSON.parse(readFileSync(join(dir, 'ledger.json'), 'utf8'))).toEqual({
      version: 1,
      sinks: { store: [3, 100], file: [2, 8] },
    });
    const next = new LogLedger(dir);
    next.load(['store', 'file', 'new'], first);
    expect(next.earliest()).toEqual(first);
    expect(next.advance('store', at(3, 100))).toBe(false);
    expect(next.advance('store', at(3, 101))).toBe(true);
  });

  it('puts a sink the ledger has behind the log at the start of the log', () => {
    writeFileSync(
      join(dir, 'ledger.json'),
      JSON.stringify({ version: 1, sinks: { store: [1, 50] } }),
    );
    const ledger = new LogLedger(dir);
    ledger.load(['store'], first);
    expect(ledger.earliest()).toEqual(first);
  });

  it('moves a sink forward only, and never one it does not know', () => {
    const ledger = new LogLedger(dir);
    ledger.load(['store'], first);
    expect(ledger.advance('store', at(2, 8))).toBe(false);
    expect(ledger.advance('store', at(1, 999))).toBe(false);
    expect(ledger.advance('nobody', at(9, 9))).toBe(false);
    expect(ledger.earliest()).toEqual(first);
  });

  it('writes nothing with no sinks', () => {
    const ledger = new LogLedger(dir);
    ledger.load([], first);
    ledger.save();
    expect(existsSync(ledger.path)).toBe(false);
    expect(ledger.earliest()).toBeUndefined();
  });

  it('refuses a ledger of another version, naming it', () => {
    writeFileSync(join(dir, 'ledger.json'), JSON.stringify({ version: 7, sinks: {} }));
    const load = () => new LogLedger(dir).load(['store'], first);
    expect(load).toThrow(MetaqueueConfigError);
    expect(load).toThrow(`${join(dir, 'ledger.json')} is in disk buffer format 7`);
  });

  it('tells a replayed batch which records each sink ahead of its start still needs', () => {
    const ledger = new LogLedger(dir);
    ledger.load(['store', 'file', 'behind'], first);
    const batch = records(4);
    const offsets = [at(2, 8), at(2, 20), at(2, 32), at(2, 44)];
    ledger.advance('store', at(2, 32));
    ledger.advance('file', at(3, 8));
    const owed = ledger.owed(batch, offsets);
    expect(owed.get('store')).toEqual(batch.slice(2));
    expect(owed.get('file')).toEqual([]);
    expect(owed.has('behind')).toBe(false);
  });
});
