/** An entry as XREADGROUP and XAUTOCLAIM give it: id and fields (`null` once deleted). */
export type RawEntry = [id: string, fields: string[] | null];

/** A group's entries of one read, by stream. */
export type GroupRead = { group: string; stream: string; entries: RawEntry[] }[];

/** XREADGROUP's reply for one group: [[stream, entries], …], or null when there is nothing. */
export function groupRead(group: string, reply: unknown): GroupRead {
  return ((reply as [string, RawEntry[]][] | null) ?? []).map(([stream, entries]) => ({
    group,
    stream,
    entries,
  }));
}

/** XINFO's flat [name, value, …] list as an object. */
export function fieldsOf(list: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i < list.length; i += 2) fields[String(list[i])] = list[i + 1];
  return fields;
}
