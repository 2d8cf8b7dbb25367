/** A place in the log: a segment's number, and a byte offset in it. */
export interface LogPosition {
  readonly segment: number;
  readonly offset: number;
}

export function comparePositions(a: LogPosition, b: LogPosition): number {
  return a.segment - b.segment || a.offset - b.offset;
}

export function earliest(positions: Iterable<LogPosition>): LogPosition | undefined {
  let min: LogPosition | undefined;
  for (const p of positions) if (!min || comparePositions(p, min) < 0) min = p;
  return min;
}
