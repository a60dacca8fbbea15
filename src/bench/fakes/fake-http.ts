// Test scaffolding for the documented-API fakes (fake-nomad, fake-marathon, fake-ecs): a throwaway HTTP
// server on a free loopback port, a log of the requests it received, and injectable faults (an error
// answer, or a request that hangs) so tests can show how an engine meets each failure mode.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface FakeResponse {
  readonly status: number;
  /** Objects are sent as JSON; strings as they are (Nomad answers errors in plain text). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Fault = FakeResponse | 'hang';

export interface FaultRule {
  readonly method?: string;
  /** Matched against the path (and, for AWS JSON, `X-Amz-Target` via `target`). */
  readonly path?: RegExp;
  readonly target?: RegExp;
  /** Matched against the request body (AWS JSON names the service there). */
  readonly body?: RegExp;
  readonly fault: Fault;
  /** How many requests it hits (default: every one until cleared). */
  readonly times?: number;
}

export class FakeHttpServer {
  readonly requests: FakeRequest[] = [];
  private readonly faults: { rule: FaultRule; left: number }[] = [];
  private server: Server | undefined;
  /** True once stop() was called: handlers that wait (blocking queries) give up. */
  stopped = false;

  constructor(private readonly handle: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>) {}

  async start(): Promise<URL> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: FakeRequest = {
          method: req.method ?? 'GET',
          url: new URL(req.url ?? '/', 'http://fake'),
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(request);
        const fault = this.takeFault(request);
        if (fault === 'hang') return; // never answers; stop() closes the socket
        Promise.resolve(fault ?? this.handle(request))
          .catch((error: unknown): FakeResponse => ({ status: 500, body: `fake server error: ${String(error)}` }))
          .then((response) => {
            const json = typeof response.body !== 'string' && response.body !== undefined;
            const text = response.body === undefined ? '' : json ? JSON.stringify(response.body) : String(response.body);
            res.writeHead(response.status, {
              'content-type': json ? 'application/json' : 'text/plain; charset=utf-8',
              ...response.headers,
            });
            res.end(text);
          });
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  fail(rule: FaultRule): void {
    this.faults.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  private takeFault(request: FakeRequest): Fault | undefined {
    const target = String(request.headers['x-amz-target'] ?? '');
    const hit = this.faults.find(
      ({ rule, left }) =>
        left > 0 &&
        (!rule.method || rule.method === request.method) &&
        (!rule.path || rule.path.test(request.url.pathname)) &&
        (!rule.target || rule.target.test(target)) &&
        (!rule.body || rule.body.test(request.body)),
    );
    if (!hit) return undefined;
    hit.left--;
    return hit.rule.fault;
  }
}
