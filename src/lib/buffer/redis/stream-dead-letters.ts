import { entryFaults, logMessages } from '../../metaqueue.messages.js';
import { quoteForLog } from '../../utils/quote-for-log.util.js';
import { streamPipeline, type RedisConnection } from './redis-connection.js';
import type { EntryFault } from './stream-entry.js';

/** An entry of a topic's stream that holds no record metaqueue can deliver. */
export interface ForeignEntry {
  stream: string;
  id: string;
  fields: readonly string[];
  fault: EntryFault;
}

/**
 * The dead-letter stream's key: `streamPrefix` itself. A topic is never
 * empty, so no topic's stream (`${streamPrefix}${topic}`) can be this key.
 */
export function deadLetterStream(streamPrefix: string): string {
  return streamPrefix;
}

/**
 * Moves foreign entries (another program's, or damaged) out of the topics'
 * streams into the dead-letter stream, acknowledged for every group (see
 * `moveAsideScript`): each is logged once, where it was, and counted; none
 * is ever retried as a record. An entry whose move fails stays pending, and
 * is moved when it is read again.
 */
export class StreamDeadLetters {
  /** Entries this process moved aside, by stream: for `/metrics`. */
  readonly moved: Record<string, number> = {};

  constructor(
    private readonly connection: RedisConnection,
    readonly key: string,
  ) {}

  async moveAside(entries: readonly ForeignEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const byStream = new Map<string, ForeignEntry[]>();
    for (const entry of entries) {
      const list = byStream.get(entry.stream);
      if (list) list.push(entry);
      else byStream.set(entry.stream, [entry]);
    }
    const pipeline = streamPipeline(this.connection.client);
    for (const [stream, list] of byStream) {
      const idsAndReasons = list.flatMap(({ id, fault }) => [id, entryFaults[fault]]);
      pipeline.metaqueueMoveAside(stream, this.key, ...idsAndReasons);
    }
    // A pipeline that fails as a whole (the connection went) fails each stream's move.
    const replies: [unknown, unknown][] = await pipeline.exec().then(
      (each) => each ?? [],
      (error: unknown) => [...byStream.keys()].map(() => [error, undefined]),
    );
    [...byStream.values()].forEach((list, i) => {
      const [error, moved] = replies[i];
      if (error) {
        this.connection.warn(
          logMessages.redisMoveAsideFailed(list.length, this.connection.describe(error)),
        );
        return;
      }
      list.forEach((entry, j) => {
        if ((moved as number[])[j] === 1) this.movedAside(entry);
      });
    });
  }

  private movedAside({ stream, id, fields, fault }: ForeignEntry): void {
    this.moved[stream] = (this.moved[stream] ?? 0) + 1;
    const held = [];
    for (let i = 0; i < fields.length; i += 2) held.push(`${fields[i]}=${fields[i + 1]}`);
    this.connection.warn(
      logMessages.redisForeignEntry(
        stream,
        id,
        entryFaults[fault],
        this.key,
        quoteForLog(held.join(' ')),
      ),
    );
  }
}
