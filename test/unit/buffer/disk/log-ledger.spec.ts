import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogLedger } from '../../../../src/lib/buffer/disk/log-ledger.js';
import { MetaqueueConfigError } from '../../../../src/lib/errors/metaqueue.errors.js';
import { records } from '../../../support/records.js';
import { CapturingLogger } from '../../../support/capturing-logger.js';
import { logDir } from '../../../support/disk-log.js';
import { fillDisk, mountTmpfs, onSmallDisk, unmount } from '../../../support/small-disk.js';

let dir: string;
beforeEach(() => (dir = logDir()));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const first = { segment: 2, offset: 8 };
/** Where the log ends: past every position the cases below keep. */
const end = { segment: 9, offset: 9_999 };
let logger: CapturingLogger;
beforeEach(() => (logger = new CapturingLogger()));
const at = (segment: number, offset: number) => ({ segment, offset });

describe('LogLedger', () => {
  it('puts every sink at the start of the log when there is no ledger yet', () => {
    const ledger = new LogLedger(dir, logger);
    ledger.load(['store', 'file'], first, end);
    expect(ledger.sinks).toBe(2);
    expect(ledger.earliest()).toEqual(first);
  });

  it('keeps each position in ledger.json, whole, and reads it back at the next start', async () => {
    const ledger = new LogLedger(dir, logger);
    ledger.load(['store', 'file'], first, end);
    expect(ledger.advance('store', at(3, 100))).toBe(true);
    ledger.save();
    await ledger.saved();
    expect(readdirSync(dir)).toEqual(['ledger.json']);
    expect(JSON.parse(readFileSync(join(dir, 'ledger.json'), 'utf8'))).toEqual({
      version: 1,
      sinks: { store: [3, 100], file: [2, 8] },
    });
    const next = new LogLedger(dir, logger);
    next.load(['store', 'file', 'new'], first, end);
    expect(next.earliest()).toEqual(first);
    expect(next.advance('store', at(3, 100))).toBe(false);
    expect(next.advance('store', at(3, 101))).toBe(true);
  });

  it('puts a sink the ledger has behind the log at the start of the log', () => {
    writeFileSync(
      join(dir, 'ledger.json'),
      JSON.stringify({ version: 1, sinks: { store: [1, 50] } }),
    );
    const ledger = new LogLedger(dir, logger);
    ledger.load(['store'], first, end);
    expect(ledger.earliest()).toEqual(first);
  });

  it('reads on from the end of the log a sink the ledger has past it, saying so once, counted', () => {
    // As an OS crash with sync 'interval' leaves it: the ledger was saved, the segment's tail was not.
    writeFileSync(
      join(dir, 'ledger.json'),
      JSON.stringify({ version: 1, sinks: { store: [3, 500], file: [2, 40] } }),
    );
    const ledger = new LogLedger(dir, logger);
    ledger.load(['store', 'file'], first, at(3, 200));
    expect(ledger.advance('store', at(3, 201))).toBe(true);
    expect(ledger.earliest()).toEqual(at(2, 40));
    expect(ledger.damaged).toBe(1);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toContain('sink store is at segment 3 byte 500');
    expect(logger.lines[0]).toContain('(segment 3 byte 200)');
  });

  it.each([
    ['an empty file', ''],
    ['text that is not JSON', '{"version": 1, "sinks": {'],
    ['sinks: null', JSON.stringify({ version: 1, sinks: null })],
    ['no version', JSON.stringify({ sinks: {} })],
    [
      'a position that is not [segment, offset]',
      JSON.stringify({ version: 1, sinks: { store: 5 } }),
    ],
  ])(
    'replays the whole log for every sink when the ledger is %s, saying where, counted',
    async (_, text) => {
      writeFileSync(join(dir, 'ledger.json'), text);
      const ledger = new LogLedger(dir, logger);
      ledger.load(['store', 'file'], first, end);
      expect(ledger.earliest()).toEqual(first);
      expect(ledger.advance('store', at(2, 9))).toBe(true);
      expect(ledger.damaged).toBe(1);
      expect(logger.lines).toHaveLength(1);
      expect(logger.lines[0]).toContain(join(dir, 'ledger.json'));
      ledger.save();
      await ledger.saved();
      expect(JSON.parse(readFileSync(join(dir, 'ledger.json'), 'utf8')).sinks.store).toEqual([
        2, 9,
      ]);
    },
  );

  it('replays the whole log when ledger.json is a directory, naming it', () => {
    mkdirSync(join(dir, 'ledger.json'));
    const ledger = new LogLedger(dir, logger);
    ledger.load(['store'], first, end);
    expect(ledger.earliest()).toEqual(first);
    expect(logger.lines[0]).toContain(join(dir, 'ledger.json'));
    expect(logger.lines[0]).toContain('EISDIR');
  });

  it('saves off the event loop: asked again while saving, it saves once more, the latest positions', async () => {
    const ledger = new LogLedger(dir, logger);
    ledger.load(['store'], first, end);
    ledger.advance('store', at(3, 1));
    ledger.save();
    // Not on disk yet: the write is in libuv's pool until saved() resolves.
    expect(existsSync(ledger.path)).toBe(false);
    for (let offset = 2; offset <= 50; offset++) {
      ledger.advance('store', at(3, offset));
      ledger.save();
    }
    await ledger.saved();
    expect(JSON.parse(readFileSync(ledger.path, 'utf8')).sinks).toEqual({ store: [3, 50] });
    expect(readdirSync(dir)).toEqual(['ledger.json']);
    // Resolved at once when no save is under way.
    await ledger.saved();
  });

  it('moves a sink forward only, and never one it does not know', () => {
    const ledger = new LogLedger(dir, logger);
    ledger.load(['store'], first, end);
    expect(ledger.advance('store', at(2, 8))).toBe(false);
    expect(ledger.advance('store', at(1, 999))).toBe(false);
    expect(ledger.advance('nobody', at(9, 9))).toBe(false);
    expect(ledger.earliest()).toEqual(first);
  });

  it('writes nothing with no sinks', async () => {
    const ledger = new LogLedger(dir, logger);
    ledger.load([], first, end);
    ledger.save();
    await ledger.saved();
    expect(existsSync(ledger.path)).toBe(false);
    expect(ledger.earliest()).toBeUndefined();
  });

  it('refuses a ledger of another version, naming it', () => {
    writeFileSync(join(dir, 'ledger.json'), JSON.stringify({ version: 7, sinks: {} }));
    const load = () => new LogLedger(dir, logger).load(['store'], first, end);
    expect(load).toThrow(MetaqueueConfigError);
    expect(load).toThrow(`${join(dir, 'ledger.json')} is in disk buffer format 7`);
  });

  it('tells a replayed batch which records each sink ahead of its start still needs', () => {
    const ledger = new LogLedger(dir, logger);
    ledger.load(['store', 'file', 'behind'], first, end);
    const batch = records(4);
    const offsets = [at(2, 8), at(2, 20), at(2, 32), at(2, 44)];
    ledger.advance('store', at(2, 32));
    ledger.advance('file', at(3, 8));
    const owed = ledger.owed(batch, offsets);
    expect(owed.get('store')).toEqual(batch.slice(2));
    expect(owed.get('file')).toEqual([]);
    expect(owed.has('behind')).toBe(false);
  });

  onSmallDisk.describe('on a full disk', () => {
    let disk: string;
    beforeEach(() => {
      rmSync(dir, { recursive: true, force: true });
      dir = disk = mountTmpfs('64k')!;
    });
    afterEach(() => unmount(disk));

    const saved = () =>
      (JSON.parse(readFileSync(join(dir, 'ledger.json'), 'utf8')) as { sinks: object }).sinks;

    it('keeps the last whole ledger and no half-written tmp, says so once, and saves once space is freed', async () => {
      const ledger = new LogLedger(dir, logger);
      ledger.load(['store'], first, end);
      ledger.advance('store', at(3, 100));
      ledger.save();
      await ledger.saved();
      const filler = fillDisk(dir);
      for (const offset of [200, 300]) {
        ledger.advance('store', at(3, offset));
        expect(() => ledger.save()).not.toThrow();
        await ledger.saved();
      }
      expect(readdirSync(dir).sort()).toEqual(['filler', 'ledger.json']);
      expect(saved()).toEqual({ store: [3, 100] });
      expect(ledger.failedWrites).toBe(2);
      const full = logger.lines.filter((line) => line.includes('is full'));
      expect(full).toHaveLength(1);
      expect(full[0]).toContain(join(dir, 'ledger.json.tmp'));
      rmSync(filler);
      ledger.saveIfBehind();
      await ledger.saved();
      expect(saved()).toEqual({ store: [3, 300] });
      expect(logger.lines.filter((line) => line.includes('written again'))).toHaveLength(1);
    });
  });
});
