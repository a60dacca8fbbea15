// Test support: a real HTTP webhook receiver that records what it is sent and verifies the signature
// the way a user's receiver would (HMAC-SHA256 of the raw body, constant-time compare). Its answer is
// settable: 200, a status, a delay, or down (the port closed).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly body: string;
  readonly json: Record<string, unknown>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly signatureValid: boolean;
  readonly atMs: number;
}

export class WebhookReceiver {
  private server: Server | undefined;
  port = 0;
  status = 200;
  delayMs = 0;
  /** Every request, whatever it was answered. */
  hits = 0;
  /** The delivery id of every request, on arrival (before it is answered). */
  readonly arrivals: string[] = [];
  readonly received: Received[] = [];

  constructor(private readonly secret: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Starts on `port` (0: any free port; the same port again after stop() for "receiver down, then back"). */
  async start(port = this.port): Promise<this> {
    this.server = createServer((req, res) => {
      this.hits += 1;
      this.arrivals.push(String(req.headers['x-microscale-delivery'] ?? ''));
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const expected = Buffer.from(`sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`);
        const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? ''));
        const signatureValid = given.length === expected.length && timingSafeEqual(given, expected);
        const reply = () => {
          if (this.status >= 200 && this.status < 300)
            this.received.push({
              body,
              json: JSON.parse(body) as Record<string, unknown>,
              headers: req.headers,
              signatureValid,
              atMs: Date.now(),
            });
          res.writeHead(this.status);
          res.end();
        };
        if (this.delayMs > 0) setTimeout(reply, this.delayMs);
        else reply();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, '127.0.0.1', resolve);
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}
