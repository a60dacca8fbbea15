// A fake nsqd HTTP API for tests: no nsqd can run here (not in Debian, no binary on npm). It serves
// GET /stats?format=json and GET /ping EXACTLY in the documented shapes, nothing more:
// - Endpoint and params: https://nsq.io/components/nsqd.html#get-stats ("GET /stats ... format -
//   (optional) text or json; topic - (optional) filter to topic; channel - (optional) filter to channel").
// - Body fields: nsqio/nsq nsqd/stats.go (TopicStats, ChannelStats json tags) and nsqd/http.go doStats
//   ({version, health, start_time, topics, memory, producers}).
// - Envelopes: nsqio/nsq internal/http_api/api_response.go: Respond() wraps as {status_code, status_txt,
//   data}; RespondV1() sends the bare body with X-NSQ-Content-Type: nsq; version=1.0. nsqd >= 1.0
//   routes /stats through V1 (always bare); 0.3.x through NegotiateVersion (bare only when the request
//   has Accept: application/vnd.nsq; version=1.0); 0.2.x always wrapped.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Which nsqd generation to imitate. */
export type FakeNsqdVersion = 'v1' | 'negotiate' | 'legacy';

export interface FakeChannel {
  depth: number;
  inFlight?: number;
  deferred?: number;
}

export interface FakeNsqd {
  readonly url: string;
  /** topic → channel → counts; a topic's own depth is `topicDepth`. */
  setTopic(topic: string, topicDepth: number, channels?: Record<string, FakeChannel>): void;
  deleteTopic(topic: string): void;
  /** Makes /stats answer after `ms` (for timeout tests). */
  delayMs: number;
  /** Overrides the whole /stats answer (for bad-response tests): status and raw body text. */
  override: { status: number; body: string } | undefined;
  close(): Promise<void>;
}

const ACCEPT_V1 = 'application/vnd.nsq; version=1.0';
const QUANTILE_EMPTY = { count: 0, percentiles: null };

function channelStats(name: string, channel: FakeChannel): Record<string, unknown> {
  return {
    channel_name: name,
    depth: channel.depth,
    backend_depth: 0,
    in_flight_count: channel.inFlight ?? 0,
    deferred_count: channel.deferred ?? 0,
    message_count: channel.depth,
    requeue_count: 0,
    timeout_count: 0,
    client_count: 0,
    clients: [],
    paused: false,
    e2e_processing_latency: QUANTILE_EMPTY,
  };
}

type TopicState = { depth: number; channels: Record<string, FakeChannel> };

function statsBody(topics: Map<string, TopicState>, filterTopic: string | null, filterChannel: string | null): Record<string, unknown> {
  const list = [...topics]
    .filter(([name]) => !filterTopic || name === filterTopic)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, state]) => ({
      topic_name: name,
      channels: Object.entries(state.channels)
        .filter(([channel]) => !filterChannel || channel === filterChannel)
        .map(([channel, counts]) => channelStats(channel, counts)),
      depth: state.depth,
      backend_depth: 0,
      message_count: state.depth,
      message_bytes: 0,
      paused: false,
      e2e_processing_latency: QUANTILE_EMPTY,
    }));
  return { version: '1.2.1', health: 'OK', start_time: 1700000000, topics: list, producers: [] };
}

function send(res: ServerResponse, status: number, body: unknown, v1: boolean): void {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (v1) headers['x-nsq-content-type'] = 'nsq; version=1.0';
  const payload = v1 ? body : { status_code: status, status_txt: status === 200 ? 'OK' : String(body), data: status === 200 ? body : null };
  res.writeHead(status, headers).end(JSON.stringify(payload));
}

export async function startFakeNsqd(version: FakeNsqdVersion = 'v1'): Promise<FakeNsqd> {
  const topics = new Map<string, TopicState>();
  const state: { delayMs: number; override: { status: number; body: string } | undefined } = { delayMs: 0, override: undefined };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://nsqd');
    const v1 = version === 'v1' || (version === 'negotiate' && req.headers.accept === ACCEPT_V1);
    if (req.method === 'GET' && url.pathname === '/ping') return void res.writeHead(200).end('OK');
    if (req.method !== 'GET' || url.pathname !== '/stats') return send(res, 404, { message: 'NOT_FOUND' }, true);
    if (state.override) return void res.writeHead(state.override.status, { 'content-type': 'application/json' }).end(state.override.body);
    if (url.searchParams.get('format') !== 'json')
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end('nsqd v1.2.1 (fake)\n');
    const filtered = version !== 'legacy';
    send(
      res,
      200,
      statsBody(topics, filtered ? url.searchParams.get('topic') : null, filtered ? url.searchParams.get('channel') : null),
      v1,
    );
  };
  const server: Server = createServer((req, res) => {
    if (state.delayMs > 0) setTimeout(() => handle(req, res), state.delayMs);
    else handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    setTopic: (topic, topicDepth, channels = {}) => void topics.set(topic, { depth: topicDepth, channels }),
    deleteTopic: (topic) => void topics.delete(topic),
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    get override() {
      return state.override;
    },
    set override(value) {
      state.override = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
