// A JSON-over-HTTP GET client for the sources that poll an HTTP API (http, prometheus, nsq). One
// keep-alive agent per source, made once, so every read reuses its connection. Written on node:http
// rather than fetch because fetch hides the socket codes that tell "refused" from "no answer", and a
// source must report those distinctly. 401/403 → auth, 404 → not-found, a body that is not JSON →
// bad-response; any other status comes back to the caller with its parsed body (Prometheus puts its
// error explanation in a 400/422/503 JSON body).
import http from 'node:http';
import https from 'node:https';
import { displayUrl, type FailureReporter } from './http-errors.js';

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface JsonClientOptions {
  /** What answers at the URL, for messages: "nsqd", "Prometheus", "the HTTP endpoint". */
  readonly remote: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export class JsonHttpClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(
    private readonly report: FailureReporter,
    private readonly options: JsonClientOptions,
  ) {}

  /** GET `url` and parse its JSON body; rejects with a SourceError for every failure it can name. */
  async get(url: URL, signal: AbortSignal): Promise<JsonResponse> {
    const where = `${this.options.remote} at ${displayUrl(url)}`;
    let raw: { status: number; contentType: string; text: string };
    try {
      raw = await this.fetchText(url, signal);
    } catch (error) {
      throw this.report.fromThrown(error, signal, where);
    }
    if (raw.status === 401 || raw.status === 403) {
      throw this.report.error('auth', `${where} refused the credentials (HTTP ${raw.status}); check the token, user or password`);
    }
    if (raw.status === 404) throw this.report.error('not-found', `${where} answered 404 Not Found; check the URL`);
    try {
      return { status: raw.status, body: JSON.parse(raw.text) as unknown };
    } catch {
      const start = raw.text.slice(0, 80).replace(/\s+/g, ' ');
      throw this.report.error(
        'bad-response',
        `${where} answered HTTP ${raw.status} with ${raw.contentType || 'no content type'}, not JSON: "${start}"`,
      );
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private fetchText(url: URL, signal: AbortSignal): Promise<{ status: number; contentType: string; text: string }> {
    const limit = this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const secure = url.protocol === 'https:';
    const request = secure ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'GET',
          agent: secure ? this.httpsAgent : this.httpAgent,
          signal,
          headers: { accept: 'application/json', ...this.options.headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > limit) {
              req.destroy(new Error(`the response is larger than ${limit} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }
}
