import type { OverflowPolicy } from './meta-queue-options.interface.js';

/** Why no room can be made for a record: its queue or stream is full, or its buffer cannot be reached. */
export type RefusalReason = 'full' | 'unavailable';

/**
 * What a publish gets under `policy` when no room can be made for its record,
 * wherever it waits (a queue, a Redis stream): `error` rejects with the
 * reason, the drop policies drop the new record (`drop-oldest` has nothing
 * older to push out), and `block` (`undefined`) waits for room.
 */
export function refusal(
  policy: OverflowPolicy,
  reason: RefusalReason,
): RefusalReason | 'dropped-newest' | undefined {
  switch (policy) {
    case 'error':
      return reason;
    case 'block':
      return undefined;
    default:
      return 'dropped-newest';
  }
}
