import type { MetadataRecord } from '../../src/lib/index.js';
import { records } from './records.js';

/**
 * Fills `into` (a queue or an intake with room for one record, `block`
 * policy) with `kept`, then offers `blocked`, which waits for room: for tests
 * of what becomes of a publish that waits. `late` is a third record, not yet
 * offered.
 */
export function offerBehindFull<Outcome>(into: { offer(record: MetadataRecord): Outcome }) {
  const [kept, blocked, late] = records(3);
  void into.offer(kept);
  return { kept, blocked, late, offer: into.offer(blocked) };
}
