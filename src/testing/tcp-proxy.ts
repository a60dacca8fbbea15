// A loopback TCP proxy in front of a real server, so a test can stage an outage for its own client only.
// cut() drops every connection; then, in 'reset' mode, new connections are accepted and closed at once,
// and in 'refuse' mode the port stops listening (connection refused). restore() undoes it on the same port.
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export type CutMode = 'reset' | 'refuse';

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly mode: CutMode = 'reset',
  ) {}

  async start(): Promise<this> {
    await this.listen(0);
    return this;
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((client) => {
      if (this.refusing) return client.destroy();
      const upstream = createConnection({ port: this.targetPort, host: '127.0.0.1' });
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Drops every connection; in 'reset' mode this takes effect before it returns. */
  async cut(): Promise<void> {
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
    if (this.mode === 'refuse') await this.closeServer();
  }

  async restore(): Promise<void> {
    this.refusing = false;
    if (this.mode === 'refuse' && !this.server) await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.cut();
    await this.closeServer();
  }

  private async closeServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
