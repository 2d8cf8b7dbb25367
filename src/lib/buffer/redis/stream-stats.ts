import type { StreamStats } from '../source-report.interface.js';
import type { RedisConnection } from './redis-connection.js';
import { fieldsOf } from './stream-replies.js';

/** Each stream's length, and each group's pending entries and lag: for `/metrics`. */
export async function readStreamStats(
  connection: RedisConnection,
  streams: readonly string[],
): Promise<StreamStats[]> {
  // Queued until Redis returns, a scrape would hang with it.
  if (!connection.connected) throw connection.notConnected();
  const pipeline = connection.client.pipeline();
  for (const stream of streams) pipeline.xlen(stream).xinfo('GROUPS', stream);
  const replies = (await pipeline.exec()) ?? [];
  return streams.map((stream, i) => {
    const [, length] = replies[2 * i];
    const [, groups] = replies[2 * i + 1];
    return {
      stream,
      length: (length as number) ?? 0,
      groups: ((groups as unknown[][] | null) ?? []).map((g) => {
        const info = fieldsOf(g);
        return {
          group: String(info.name),
          pending: Number(info.pending),
          lag: info.lag === null ? undefined : Number(info.lag),
        };
      }),
    };
  });
}
