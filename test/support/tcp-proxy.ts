import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of PostgreSQL or Redis that a test can
 * hurt: cut every open connection, refuse new ones, or hold the server's
 * replies back, as a failing or slow network would.
 */
export class TcpProxy {
  private readonly server = net.createServer((client) => this.accept(client));
  private readonly sockets = new Set<net.Socket>();
  private refusing = false;
  private cutsAfterCopy = 0;
  private cutOnClientText?: { text: string; times: number };
  private heldReplies?: Map<net.Socket, Buffer[]>;
  /** Connections cut because the client sent the text given to `cutWhenClientSends()`. */
  clientCuts = 0;
  /** Connections cut right after PostgreSQL said a COPY completed: committed, never acknowledged. */
  copiesCutAfterCommit = 0;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** Drops every open connection at once, mid-statement if one is running. */
  cutAll(): number {
    const n = this.sockets.size;
    for (const socket of this.sockets) socket.destroy();
    return n;
  }

  /**
   * Cuts every open connection again and again, at random gaps of `minGapMs`
   * to twice that: a new connection takes tens of milliseconds to become
   * useful, and a faster cutter would starve every write rather than cut
   * some mid-flight. With `when`, it cuts only while that holds (a write is
   * under way, say). Returns how to stop, and how many cuts hit a connection.
   */
  cutRepeatedly(minGapMs: number, when: () => boolean = () => true): { stop(): number } {
    let cuts = 0;
    let timer: NodeJS.Timeout;
    const next = () => {
      timer = setTimeout(
        () => {
          if (when()) cuts += this.cutAll() > 0 ? 1 : 0;
          next();
        },
        minGapMs * (1 + Math.random()),
      );
    };
    next();
    return {
      stop: () => {
        clearTimeout(timer);
        return cuts;
      },
    };
  }

  /**
   * Cuts the next `times` connections on which the server reports a COPY
   * complete, before the reply reaches the client: the rows are committed
   * (PostgreSQL commits before it sends CommandComplete), but the client
   * cannot know, and must retry without storing them twice.
   */
  cutAfterCopyCommits(times: number): void {
    this.cutsAfterCopy = times;
  }

  /** Cuts the next `times` connections on which the client sends `text` (a statement), before the server sees it. */
  cutWhenClientSends(text: string, times: number): void {
    this.cutOnClientText = { text, times };
  }

  /**
   * Holds back what the server sends until `release()`, which passes it on
   * in one write per connection: replies the client would have handled one
   * by one reach it together, in one read.
   */
  holdReplies(): { text(): string; release(): void } {
    const held = new Map<net.Socket, Buffer[]>();
    this.heldReplies = held;
    return {
      text: () => Buffer.concat([...held.values()].flat()).toString(),
      release: () => {
        this.heldReplies = undefined;
        for (const [client, chunks] of held) client.write(Buffer.concat(chunks));
      },
    };
  }

  /** While refusing, connections are cut as soon as they open, and open ones are cut now. */
  refuse(refusing: boolean): void {
    this.refusing = refusing;
    if (refusing) this.cutAll();
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ]) {
      this.sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      const cut = this.cutOnClientText;
      if (cut && cut.times > 0 && chunk.includes(cut.text)) {
        cut.times--;
        this.clientCuts++;
        client.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.cutsAfterCopy > 0 && reportsCopyComplete(chunk)) {
        this.cutsAfterCopy--;
        this.copiesCutAfterCommit++;
        upstream.destroy();
        return;
      }
      const held = this.heldReplies;
      if (held) held.set(client, [...(held.get(client) ?? []), chunk]);
      else client.write(chunk);
    });
  }
}

/** A CommandComplete message ('C', its length, then "COPY <rows>") in a chunk from the server. */
function reportsCopyComplete(chunk: Buffer): boolean {
  for (let i = chunk.indexOf('COPY '); i >= 0; i = chunk.indexOf('COPY ', i + 1)) {
    if (i >= 5 && chunk[i - 5] === 0x43) return true;
  }
  return false;
}
