// `prometheus`: an instant PromQL query (GET /api/v1/query) that must come back as exactly one number.
// Covers anything Prometheus scrapes: queue exporters, Kafka consumer lag via kafka_exporter, request
// rates. Optional bearer or basic auth (Prometheus's own --web.config.file, or a proxy in front).
import { z } from 'zod';
import { nonEmptyString, url } from '../../config/fields.js';
import { defineSource, type Source, type SourceContext } from '../types.js';
import { authHeaders, authSchema, headersSchema, secretsOf } from '../shared/http-auth.js';
import { displayUrl, FailureReporter } from '../shared/http-errors.js';
import { JsonHttpClient } from '../shared/json-client.js';
import { readQueryResult } from './result.js';

export const prometheusSchema = z
  .object({
    source: z.literal('prometheus'),
    /** The server's base URL, including any --web.route-prefix path. */
    url: url('an http:// or https:// URL of the Prometheus server').default('http://127.0.0.1:9090'),
    query: nonEmptyString('a PromQL query, e.g. sum(queue_depth{queue="jobs"})'),
    auth: authSchema.optional(),
    headers: headersSchema.optional(),
  })
  .strict();

export type PrometheusConfig = z.infer<typeof prometheusSchema>;

export class PrometheusQuerySource implements Source {
  private readonly client: JsonHttpClient;
  private readonly report: FailureReporter;
  private readonly endpoint: URL;
  private readonly query: string;

  constructor(config: PrometheusConfig, context: Pick<SourceContext, 'service'>) {
    this.report = new FailureReporter('prometheus', context.service, secretsOf(config.auth, config.headers, config.url));
    this.client = new JsonHttpClient(this.report, { remote: 'Prometheus', headers: authHeaders(config.auth, config.headers) });
    const base = new URL(config.url);
    // Keep a route prefix (http://host/prometheus) by resolving against a base that ends in "/".
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.endpoint = new URL('api/v1/query', base);
    this.endpoint.searchParams.set('query', config.query);
    this.query = config.query.length > 80 ? `${config.query.slice(0, 77)}...` : config.query;
  }

  async read(signal: AbortSignal): Promise<number> {
    const response = await this.client.get(this.endpoint, signal);
    const outcome = readQueryResult(response.status, response.body);
    if (outcome.ok) return outcome.value;
    throw this.report.error(
      outcome.failure,
      `Prometheus at ${displayUrl(this.endpoint)}, query ${JSON.stringify(this.query)}: ${outcome.reason}`,
    );
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

export const prometheusSource = defineSource({
  kind: 'prometheus',
  status: 'real-tested',
  description: 'an instant PromQL query that returns one number',
  schema: prometheusSchema,
  create: (config, context) => new PrometheusQuerySource(config, context),
});
