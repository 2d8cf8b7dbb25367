import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of PostgreSQL that a test can hurt:
 * cut every open connection, or refuse new ones, as a failing network would.
 */
export class TcpProxy {
  private readonly server = net.createServer((client) => this.accept(client));
  private readonly sockets = new Set<net.Socket>();
  private refusing = false;
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
   * some mid-flight. Returns how to stop, and how many cuts hit a connection.
   */
  cutRepeatedly(minGapMs: number): { stop(): number } {
    let cuts = 0;
    let timer: NodeJS.Timeout;
    const next = () => {
      timer = setTimeout(
        () => {
          cuts += this.cutAll() > 0 ? 1 : 0;
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
      a.pipe(b);
    }
  }
}
