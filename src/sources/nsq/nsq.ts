// `nsq`: the depth of a topic, or of one channel of it, from nsqd's HTTP API (GET /stats?format=json),
// as the original microscaling did. Tested against a fake nsqd that serves the documented response
// shapes only (fake-nsqd.ts): no nsqd can run here.
import { z } from 'zod';
import { nonEmptyString, url } from '../../config/fields.js';
import { defineSource, type Source, type SourceContext } from '../types.js';
import { displayUrl, FailureReporter } from '../shared/http-errors.js';
import { JsonHttpClient } from '../shared/json-client.js';
import { secretsOf } from '../shared/http-auth.js';
import { depthFromStats } from './stats.js';

export const nsqSchema = z
  .object({
    source: z.literal('nsq'),
    /** nsqd's HTTP address (its --http-address), not the TCP port 4150. */
    url: url('the http:// URL of nsqd, e.g. http://127.0.0.1:4151').default('http://127.0.0.1:4151'),
    topic: nonEmptyString('a topic name'),
    channel: nonEmptyString('a channel name').optional(),
    /** Count in-flight and deferred messages of the channel too (only with `channel`). */
    includeInFlight: z.boolean({ invalid_type_error: 'expected true or false' }).default(false),
  })
  .strict()
  .refine((c) => !c.includeInFlight || c.channel !== undefined, {
    message: 'includeInFlight needs a channel: in-flight counts belong to channels; add channel: NAME',
    path: ['includeInFlight'],
  });

export type NsqConfig = z.infer<typeof nsqSchema>;

export class NsqDepthSource implements Source {
  private readonly client: JsonHttpClient;
  private readonly report: FailureReporter;
  private readonly statsUrl: URL;

  constructor(
    private readonly config: NsqConfig,
    context: Pick<SourceContext, 'service'>,
  ) {
    this.report = new FailureReporter('nsq', context.service, secretsOf(undefined, undefined, config.url));
    // Asking for version 1.0 gets the plain body from nsqd 0.3.x too; older ones still send the envelope.
    this.client = new JsonHttpClient(this.report, { remote: 'nsqd', headers: { accept: 'application/vnd.nsq; version=1.0' } });
    const base = new URL(config.url);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.statsUrl = new URL('stats', base);
    // The topic filter keeps the answer small on a busy nsqd (versions that ignore it still work: we search
    // the list). No channel filter: with all of the topic's channels, a wrong name can list the right ones.
    this.statsUrl.search = new URLSearchParams({
      format: 'json',
      topic: config.topic,
      include_clients: 'false',
      include_mem: 'false',
    }).toString();
  }

  async read(signal: AbortSignal): Promise<number> {
    const response = await this.client.get(this.statsUrl, signal);
    if (response.status !== 200)
      throw this.report.error('bad-response', `nsqd at ${displayUrl(this.statsUrl)} answered HTTP ${response.status}`);
    const outcome = depthFromStats(response.body, this.config);
    if (outcome.ok) return outcome.value;
    throw this.report.error(outcome.failure, `nsqd at ${displayUrl(this.statsUrl)}: ${outcome.reason}`);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

export const nsqSource = defineSource({
  kind: 'nsq',
  status: 'documented-api',
  description: 'depth of an NSQ topic or channel from nsqd /stats (tested against the documented API only)',
  schema: nsqSchema,
  create: (config, context) => new NsqDepthSource(config, context),
});
