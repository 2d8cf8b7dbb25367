import { ReplyError } from 'ioredis';
import { logMessages } from '../../metaqueue.messages.js';
import type { StreamRefusal, StreamRefusalCount } from '../source-report.interface.js';
import type { RedisConnection } from './redis-connection.js';

/** What metaqueue asks of a stream that Redis can refuse: appending, or making its groups. */
export type StreamCommand = StreamRefusal['command'];

/**
 * Error replies that say "not now" rather than "no": Redis runs the command
 * once it has loaded its data, ended a slow script or found its master, so
 * they are sent again like a lost answer.
 */
const TRANSIENT = new Set(['LOADING', 'BUSY', 'TRYAGAIN', 'MASTERDOWN', 'CLUSTERDOWN']);

/**
 * Redis's refusal in `error`, if Redis answered with an error reply (an ACL
 * without EVALSHA, `OOM` under `noeviction`, a key of another type); else
 * `undefined`: the answer was lost with the connection, and the command may
 * be sent again.
 */
export function refusalOf(
  error: unknown,
  connection: RedisConnection,
): Pick<StreamRefusal, 'code' | 'reason'> | undefined {
  if (!(error instanceof ReplyError)) return undefined;
  // A refusal inside a script names the script's hash and line: no help to a reader of the log.
  const reason = connection.describe(error).replace(/ script: \w+, on @user_script:\d+\.$/, '');
  const code = /^[A-Z]+(?= )/.exec(reason)?.[0] ?? 'ERR';
  return TRANSIENT.has(code) ? undefined : { code, reason };
}

/**
 * What Redis refuses now, stream by stream and command by command: each
 * cause logged once when it starts and once when it clears, never at every
 * retry, and every refusal counted for `/metrics`.
 */
export class StreamRefusals {
  private readonly current = new Map<string, StreamRefusal>();
  private readonly counts = new Map<string, StreamRefusalCount>();

  constructor(private readonly connection: RedisConnection) {}

  /** Redis refused `command` on `stream`. */
  refused(stream: string, command: StreamCommand, cause: Pick<StreamRefusal, 'code' | 'reason'>) {
    const refusal: StreamRefusal = { stream, command, ...cause };
    const key = `${command}\n${stream}`;
    const countKey = `${key}\n${cause.code}`;
    const count = this.counts.get(countKey) ?? { stream, command, code: cause.code, refusals: 0 };
    count.refusals++;
    this.counts.set(countKey, count);
    if (this.current.get(key)?.code !== cause.code) {
      this.connection.warn(logMessages.redisRefused(this.connection.target, refusal));
    }
    this.current.set(key, refusal);
  }

  /** Redis ran `command` on `stream`: a refusal of it is over. */
  accepted(stream: string, command: StreamCommand): void {
    const key = `${command}\n${stream}`;
    const refusal = this.current.get(key);
    if (!refusal) return;
    this.current.delete(key);
    this.connection.log(logMessages.redisRefusalCleared(this.connection.target, refusal));
  }

  /** What Redis refuses now. */
  now(): StreamRefusal[] {
    return [...this.current.values()];
  }

  /** Every refusal so far, by stream, command and Redis's error code. */
  counted(): StreamRefusalCount[] {
    return [...this.counts.values()].map((count) => ({ ...count }));
  }
}
