// `http`: GET a URL and take one number out of its JSON, by JSON pointer ("/queue/depth") or dotted path
// ("queues[0].depth"). For any service that reports its backlog over HTTP. Auth by bearer token, basic
// auth or arbitrary headers. Long-poll / SSE is not implemented: this kind polls on the agent's tick.
import { z } from 'zod';
import { url } from '../../config/fields.js';
import { defineSource, type Source, type SourceContext } from '../types.js';
import { authHeaders, authSchema, headersSchema, secretsOf } from '../shared/http-auth.js';
import { displayUrl, FailureReporter } from '../shared/http-errors.js';
import { JsonHttpClient } from '../shared/json-client.js';
import { asNumber, parsePath, pick, type PathStep } from '../shared/json-path.js';

export const httpSchema = z
  .object({
    source: z.literal('http'),
    url: url('an http:// or https:// URL').refine((text) => /^https?:\/\//.test(text), 'expected an http:// or https:// URL'),
    /** JSON pointer ("/a/0/b") or dotted path ("a.b[0]"); absent: the whole body is the number. */
    path: z.string({ invalid_type_error: 'expected a JSON pointer like /a/0/b or a path like a.b[0]' }).default(''),
    auth: authSchema.optional(),
    headers: headersSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const steps = parsePath(config.path);
    if (typeof steps === 'string') ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['path'], message: steps });
  });

export type HttpConfig = z.infer<typeof httpSchema>;

export class HttpJsonSource implements Source {
  private readonly client: JsonHttpClient;
  private readonly report: FailureReporter;
  private readonly target: URL;
  private readonly steps: PathStep[];

  constructor(
    private readonly config: HttpConfig,
    context: Pick<SourceContext, 'service'>,
  ) {
    this.report = new FailureReporter('http', context.service, secretsOf(config.auth, config.headers, config.url));
    this.client = new JsonHttpClient(this.report, { remote: 'the HTTP endpoint', headers: authHeaders(config.auth, config.headers) });
    this.target = new URL(config.url);
    const steps = parsePath(config.path);
    this.steps = typeof steps === 'string' ? [] : steps;
  }

  async read(signal: AbortSignal): Promise<number> {
    const response = await this.client.get(this.target, signal);
    const where = `the HTTP endpoint at ${displayUrl(this.target)}`;
    if (response.status < 200 || response.status > 299) {
      throw this.report.error('bad-response', `${where} answered HTTP ${response.status}`);
    }
    const picked = pick(response.body, this.steps);
    const path = this.config.path || '(the whole body)';
    if (!picked.found) {
      throw this.report.error(
        'bad-response',
        `${where}: the JSON has nothing at ${picked.missingAt} (path ${path}); there is ${picked.available}`,
      );
    }
    const value = asNumber(picked.value);
    if (value === undefined || !Number.isFinite(value)) {
      throw this.report.error(
        'bad-response',
        `${where}: the value at ${path} is ${JSON.stringify(picked.value)?.slice(0, 60)}, not a finite number`,
      );
    }
    return value;
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

export const httpSource = defineSource({
  kind: 'http',
  status: 'real-tested',
  description: 'a number from a JSON HTTP endpoint (JSON pointer or dotted path)',
  schema: httpSchema,
  counter: { what: 'a JSON counter at path:', schema: httpSchema },
  create: (config, context) => new HttpJsonSource(config, context),
});
