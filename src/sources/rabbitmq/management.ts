// Unacked messages from the RabbitMQ management API (GET /api/queues/{vhost}/{queue}), which AMQP
// cannot see. The API's queue stats refresh every 5 s and are absent for a few seconds after a queue
// is created; absent counts as 0 until they appear.
import { SourceError } from '../../errors.js';
import { redactUrl } from '../shared/redact.js';

export interface ManagementEndpoint {
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

function failureFor(status: number): 'auth' | 'not-found' | 'bad-response' {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  return 'bad-response';
}

function queueUrl(endpoint: ManagementEndpoint, vhost: string, queue: string): string {
  const base = new URL(endpoint.url);
  base.username = '';
  base.password = '';
  const root = base.toString().replace(/\/+$/, '');
  return `${root}/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(queue)}?columns=messages_ready,messages_unacknowledged`;
}

/** messages_unacknowledged of one queue. Throws a SourceError for `service` on any failure. */
export async function readUnacked(
  endpoint: ManagementEndpoint,
  vhost: string,
  queue: string,
  service: string,
  signal: AbortSignal,
): Promise<number> {
  const where = `management API ${redactUrl(endpoint.url)}`;
  const fail = (failure: 'unreachable' | 'auth' | 'not-found' | 'bad-response' | 'timeout', detail: string) =>
    new SourceError(failure, 'rabbitmq', service, `${where}: ${detail}`);
  let response: Response;
  try {
    const authorization = `Basic ${Buffer.from(`${endpoint.username}:${endpoint.password}`).toString('base64')}`;
    response = await fetch(queueUrl(endpoint, vhost, queue), { signal, headers: { authorization, accept: 'application/json' } });
  } catch (error) {
    if (signal.aborted) throw fail('timeout', 'no answer within the metric timeout');
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw fail('unreachable', `${cause} (is the rabbitmq_management plugin enabled and the URL right?)`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    const failure = failureFor(response.status);
    const hint =
      failure === 'auth'
        ? 'check management username/password (the user needs the monitoring tag)'
        : failure === 'not-found'
          ? `no queue "${queue}" in vhost "${vhost}"`
          : 'unexpected answer';
    throw fail(failure, `HTTP ${response.status}: ${hint}`);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (body === null || typeof body !== 'object') throw fail('bad-response', 'the answer is not a JSON object');
  const unacked = (body as Record<string, unknown>).messages_unacknowledged;
  if (unacked === undefined) return 0; // stats not collected yet for a new queue
  if (typeof unacked !== 'number' || !Number.isFinite(unacked))
    throw fail('bad-response', `messages_unacknowledged is ${JSON.stringify(unacked)}, not a number`);
  return unacked;
}
