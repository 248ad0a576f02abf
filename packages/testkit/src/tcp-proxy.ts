import { once } from 'node:events';
import net from 'node:net';

/**
 * A loopback TCP proxy in front of a real server, for outages in tests: `cut()` drops every
 * connection and refuses new ones (the client sees `ECONNRESET`, then `ECONNREFUSED`, as when
 * the server process is gone); `restore()` listens again on the same port. The server behind
 * it is never touched, so a shared stack stays up for everyone else.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private boundPort = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** The port the proxy listens on (after `start`). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<number> {
    await this.listen(0);
    return this.boundPort;
  }

  /** Drops every open connection and stops listening. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restore(): Promise<void> {
    if (!this.server) await this.listen(this.boundPort);
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  private async listen(port: number): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      this.sockets.add(client);
      this.sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
  }
}
