/**
 * A TCP proxy on 127.0.0.1 in front of another port (PostgreSQL), so a test can take the database away from the
 * servers behind it without touching the database itself (other test processes keep using it):
 * - `cut()`: every proxied connection is reset and the port stops listening (new connections are refused), as when
 *   the database server stops or restarts;
 * - `blackhole()`: new connections are accepted but nothing is forwarded either way (a network that drops packets);
 * - `freeze()`: connections stay open but nothing is forwarded any more, on them nor on new ones (a network that
 *   starts dropping packets under established connections: no reset, no error, only silence);
 * - `restore()`: listening and forwarding again on the same port (frozen connections stay silent).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

type Mode = 'forward' | 'blackhole';

export class TcpProxy {
  port = 0;
  private server?: Server;
  private mode: Mode = 'forward';
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<[Socket, Socket]>();

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  async start(): Promise<this> {
    await this.listen();
    return this;
  }

  /** `url` (a postgres:// URL naming the target) with this proxy's host and port instead. */
  via(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Reset every connection and refuse new ones until `restore()`. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    await closed;
  }

  /** Accept connections but forward nothing (existing ones are reset). */
  async blackhole(): Promise<void> {
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    this.mode = 'blackhole';
    if (!this.server) await this.listen();
  }

  /** Forward nothing any more, keeping every connection open; new ones are accepted and never answered. */
  freeze(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    this.pairs.clear();
    this.mode = 'blackhole';
  }

  async restore(): Promise<void> {
    this.mode = 'forward';
    if (!this.server) await this.listen();
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.mode === 'blackhole') return; // held open, never answered
    const upstream = createConnection(this.targetPort, this.targetHost);
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => this.sockets.delete(s));
  }
}
