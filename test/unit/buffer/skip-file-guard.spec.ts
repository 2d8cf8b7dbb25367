import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SkipFileGuard } from '../../../src/lib/buffer/skip-file-guard.js';
import type { MetadataRecord } from '../../../src/lib/index.js';
import { records } from '../../support/records.js';
import { tempDirPerTest } from '../../support/temp-dir.js';
import { until } from '../../support/until.js';

const dir = tempDirPerTest('skip-guard-spec');
let copy: string;
let skipFile: string;
beforeEach(() => {
  copy = join(dir(), 'log.txt');
  skipFile = `${copy}.skip`;
});

const ids = (batch: readonly MetadataRecord[]) => batch.map((r) => r.id);

/** A sink that keeps what it is given, failing while `failing` is set. */
function sink() {
  const written: string[][] = [];
  const state = { failing: false };
  const write = (admitted: readonly MetadataRecord[]) => {
    if (state.failing) return Promise.reject(new Error('disk full'));
    written.push(ids(admitted));
    return Promise.resolve();
  };
  return { written, state, write };
}

/** A guard whose copy crashed holding `held`, as a replay starts. */
async function afterCrash(held: readonly MetadataRecord[]) {
  const guard = new SkipFileGuard(copy);
  expect(await guard.open()).toBeUndefined();
  expect(await guard.settle(new Set(ids(held)))).toEqual(new Set(ids(held)));
  return guard;
}

describe('SkipFileGuard', () => {
  it('passes every record through when no copy crashed', async () => {
    const guard = new SkipFileGuard(copy);
    await guard.open();
    const { written, write } = sink();
    const batch = records(3);
    await guard.admit(batch, write);
    await guard.close();
    expect(written).toEqual([ids(batch)]);
    expect(existsSync(skipFile)).toBe(false);
  });

  it('keeps every id of a crashed copy, in the skip file before the copy is finished', async () => {
    const held = records(4);
    await afterCrash(held);
    expect(readFileSync(skipFile, 'utf8').split('\n').sort()).toEqual(ids(held).sort());
  });

  it('skips the held ids once as they are replayed, and still after a failed write', async () => {
    const [held, fresh] = [records(4), records(2)];
    const guard = await afterCrash(held);
    const { written, state, write } = sink();

    await guard.admit(held.slice(0, 2), write);
    expect(written).toEqual([[]]);
    state.failing = true;
    const replay = [...held.slice(2), ...fresh];
    await expect(guard.admit(replay, write)).rejects.toThrow('disk full');
    state.failing = false;
    // The retry of the failed batch is filtered as the first try was.
    await guard.admit(replay, write);
    expect(written.at(-1)).toEqual(ids(fresh));
    // Skipped once only: past the replay, the guard filters nothing.
    await guard.admit(held.slice(0, 1), write);
    expect(written.at(-1)).toEqual(ids(held.slice(0, 1)));
  });

  it('keeps the skip file until the batch after the one that passed the held ids', async () => {
    const [held, fresh, next] = [records(2), records(2), records(1)];
    const guard = await afterCrash(held);
    const { write } = sink();

    await guard.admit(held, write);
    expect(existsSync(skipFile)).toBe(true);
    await guard.admit([...held, ...fresh], write);
    // Passed, but that batch is not acknowledged yet: a crash now must still skip them.
    expect(existsSync(skipFile)).toBe(true);
    const reopened = new SkipFileGuard(copy);
    await reopened.open();
    const replayed = sink();
    await reopened.admit([...held, ...fresh], replayed.write);
    expect(replayed.written).toEqual([ids(fresh)]);

    await guard.admit(next, write);
    expect(existsSync(skipFile)).toBe(false);
  });

  it('keeps the skip file until the acknowledgement that passed the held ids is kept, waiting for its save', async () => {
    const [held, fresh] = [records(2), records(2)];
    let kept = false;
    let saving: (() => void) | undefined;
    const guard = new SkipFileGuard(
      copy,
      () => new Promise<boolean>((resolve) => (saving = () => resolve(kept))),
    );
    await guard.open();
    await guard.settle(new Set(ids(held)));
    const { write } = sink();
    await guard.admit([...held, ...fresh], write);

    // The next batch: the ledger's save of the acknowledgement fails (a full disk).
    const failedSave = guard.admit(records(1), write);
    await until(() => saving !== undefined);
    saving!();
    await failedSave;
    expect(existsSync(skipFile)).toBe(true);

    // The one after: the save under way is waited for, and goes through.
    saving = undefined;
    kept = true;
    const next = guard.admit(records(1), write);
    await until(() => saving !== undefined);
    expect(existsSync(skipFile)).toBe(true);
    saving!();
    await next;
    expect(existsSync(skipFile)).toBe(false);
  });

  it('removes the skip file at close once the replay has passed the held ids, not before', async () => {
    const held = records(2);
    const early = await afterCrash(held);
    await early.close();
    expect(existsSync(skipFile)).toBe(true);

    const guard = new SkipFileGuard(copy);
    await guard.open();
    await guard.admit([...held, ...records(1)], sink().write);
    await guard.close();
    expect(existsSync(skipFile)).toBe(false);
  });

  it('adds the ids of a second crashed copy to those a replay has not passed yet', async () => {
    const [first, second] = [records(2), records(2)];
    await afterCrash(first);
    const guard = new SkipFileGuard(copy);
    await guard.open();
    await guard.settle(new Set(ids(second)));
    const { written, write } = sink();
    await guard.admit([...first, ...second], write);
    expect(written).toEqual([[]]);
  });
});
