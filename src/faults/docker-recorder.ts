// A recording proxy in front of the Docker Engine for the agent under a fault (kill.ts): the agent is
// given this unix socket as its engine `host`, and every call it makes passes through unchanged (streams
// such as /events included) and is kept with when it came and when the daemon answered. A fault test can
// then tell what the agent asked for, and when, from what the daemon took to do it (agent-latency.ts).
import { createServer, request, type IncomingMessage, type RequestOptions, type Server } from 'node:http';
import { rm } from 'node:fs/promises';
import { engineAddress } from '../engines/docker/connection.js';

export interface DockerCall {
  readonly method: string;
  /** As sent, e.g. /v1.41/containers/<id>/start. */
  readonly path: string;
  /** When the call reached the proxy (ms since the epoch). */
  readonly atMs: number;
  /** When the daemon's answer began, and its status (unset while it is out). */
  answeredMs?: number;
  status?: number;
  /** The id a create answered with. */
  createdId?: string;
}

/** Where the real daemon is: DOCKER_HOST, else the local socket (as `connect` in engines/docker). */
function upstream(): RequestOptions {
  const address = engineAddress(undefined);
  if (address.startsWith('unix://')) return { socketPath: address.slice('unix://'.length) };
  const url = new URL(address.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375) };
}

export class DockerRecorder {
  readonly calls: DockerCall[] = [];
  private server: Server | undefined;

  constructor(readonly socket: string) {}

  /** The `host` for the agent's engine block. */
  get host(): string {
    return `unix://${this.socket}`;
  }

  async start(): Promise<this> {
    const target = upstream();
    const server = createServer((req, res) => {
      const call: DockerCall = { method: req.method ?? 'GET', path: req.url ?? '/', atMs: Date.now() };
      this.calls.push(call);
      const forward = request({ ...target, agent: false, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        call.answeredMs = Date.now();
        if (answer.statusCode !== undefined) call.status = answer.statusCode;
        if (call.method === 'POST' && /\/containers\/create(\?|$)/.test(call.path)) keepCreatedId(answer, call);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders(); // a stream (events, wait) sends nothing more until something happens
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      res.on('close', () => forward.destroy()); // the agent went (killed): its event stream goes too
      req.pipe(forward);
    });
    await rm(this.socket, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socket, resolve);
    });
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(this.socket, { force: true });
  }
}

function keepCreatedId(answer: IncomingMessage, call: DockerCall): void {
  let body = '';
  answer.on('data', (chunk: Buffer) => {
    body += chunk.toString('utf8');
  });
  answer.on('end', () => {
    try {
      const id = (JSON.parse(body) as { Id?: unknown }).Id;
      if (typeof id === 'string') call.createdId = id;
    } catch {
      // not a create's answer (an error's text): no id
    }
  });
}
