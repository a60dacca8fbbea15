// Test support: an HTTP proxy in front of the real docker-registry that counts requests and can stage
// the faults a real registry will not produce on demand (429 with Retry-After, 5xx, slowness). A
// hand-written fault injector, named as such; everything it passes through is the real registry's answer.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Fault {
  /** Answer this status (with these headers) instead of forwarding. */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before forwarding. */
  readonly delayMs?: number;
  /** Only for requests whose method is this (e.g. HEAD). */
  readonly method?: string;
}

export class RegistryProxy {
  private server: Server | undefined;
  port = 0;
  fault: Fault | undefined;
  /** Every request, as "METHOD path". */
  readonly seen: string[] = [];

  constructor(private readonly target: string) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  count(method: string, pathPart = ''): number {
    return this.seen.filter((line) => line.startsWith(`${method} `) && line.includes(pathPart)).length;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.seen.push(`${req.method} ${req.url}`);
    const fault = this.fault && (!this.fault.method || this.fault.method === req.method) ? this.fault : undefined;
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.status) {
      res.writeHead(fault.status, { 'Content-Type': 'application/json', ...fault.headers });
      res.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'staged by the test proxy' }] }));
      return;
    }
    const [host, port] = this.target.split(':');
    const upstream = request(
      { host, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, host: this.target } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}
