// `sqs`: ApproximateNumberOfMessages of an AWS SQS queue (optionally + ...NotVisible, the in-flight ones)
// via the official SDK. Region, endpoint and credentials come the SDK's usual way (AWS_REGION,
// AWS_ACCESS_KEY_ID / profile / role...), each overridable in the config. The queue is given by URL, or
// by name (resolved once with GetQueueUrl, again only after the queue goes missing).
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { nonEmptyString, url } from '../../config/fields.js';
import { defineSource, type Source, type SourceContext } from '../types.js';
import { displayUrl, FailureReporter } from '../shared/http-errors.js';
import { classifySqsError } from './sqs-errors.js';

export const sqsSchema = z
  .object({
    source: z.literal('sqs'),
    /** A queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME) or a queue name. */
    queue: nonEmptyString('a queue URL or name'),
    region: nonEmptyString('an AWS region, e.g. eu-west-1').optional(),
    /** For SQS-compatible servers (fauxqs, LocalStack, ElasticMQ) or VPC endpoints. */
    endpoint: url('an http(s):// endpoint URL').optional(),
    /** Only when the SDK's own chain (env, profile, role) is not what you want; use ${ENV} or ${file:...}. */
    credentials: z
      .object({
        accessKeyId: nonEmptyString('an access key id'),
        secretAccessKey: nonEmptyString('a secret access key'),
        sessionToken: nonEmptyString('a session token').optional(),
      })
      .strict()
      .optional(),
    /** Add ApproximateNumberOfMessagesNotVisible (received, not yet deleted) to the count. */
    includeNotVisible: z.boolean({ invalid_type_error: 'expected true or false' }).default(false),
  })
  .strict();

export type SqsConfig = z.infer<typeof sqsSchema>;

const VISIBLE = 'ApproximateNumberOfMessages';
const NOT_VISIBLE = 'ApproximateNumberOfMessagesNotVisible';

function credentialsOf(given: NonNullable<SqsConfig['credentials']>): {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
} {
  const { accessKeyId, secretAccessKey, sessionToken } = given;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

function clientConfig(config: SqsConfig): SQSClientConfig {
  return {
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: credentialsOf(config.credentials) } : {}),
    // The agent reads again next tick; SDK retries would only spend the read timeout.
    maxAttempts: 1,
  };
}

/** A queue URL shown without any query string (presigned URLs carry signatures there). */
function displayQueue(queue: string): string {
  return /^https?:\/\//.test(queue) ? displayUrl(queue) : queue;
}

export class SqsQueueSource implements Source {
  private readonly client: SQSClient;
  private readonly report: FailureReporter;
  private queueUrl: string | undefined;
  private readonly where: string;

  constructor(
    private readonly config: SqsConfig,
    context: Pick<SourceContext, 'service'>,
  ) {
    const secrets = config.credentials ? [config.credentials.secretAccessKey, config.credentials.sessionToken ?? ''] : [];
    this.report = new FailureReporter('sqs', context.service, secrets);
    this.client = new SQSClient(clientConfig(config));
    this.queueUrl = /^https?:\/\//.test(config.queue) ? config.queue : undefined;
    this.where = `SQS${config.endpoint ? ` at ${displayUrl(config.endpoint)}` : ''} (queue ${displayQueue(config.queue)})`;
  }

  async read(signal: AbortSignal): Promise<number> {
    try {
      const queueUrl = this.queueUrl ?? (await this.resolveUrl(signal));
      const { Attributes } = await this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: this.config.includeNotVisible ? [VISIBLE, NOT_VISIBLE] : [VISIBLE],
        }),
        { abortSignal: signal },
      );
      return this.count(Attributes);
    } catch (error) {
      const failure = classifySqsError(error, signal, this.report, this.where);
      // A queue deleted and re-created under the same name gets a new URL: look it up again.
      if (failure.failure === 'not-found' && !/^https?:\/\//.test(this.config.queue)) this.queueUrl = undefined;
      throw failure;
    }
  }

  private async resolveUrl(signal: AbortSignal): Promise<string> {
    const { QueueUrl } = await this.client.send(new GetQueueUrlCommand({ QueueName: this.config.queue }), { abortSignal: signal });
    if (!QueueUrl) throw this.report.error('bad-response', `${this.where}: GetQueueUrl returned no QueueUrl`);
    this.queueUrl = QueueUrl;
    return QueueUrl;
  }

  private count(attributes: Record<string, string> | undefined): number {
    const names = this.config.includeNotVisible ? [VISIBLE, NOT_VISIBLE] : [VISIBLE];
    let total = 0;
    for (const name of names) {
      const value = Number(attributes?.[name]);
      if (attributes?.[name] === undefined || !Number.isFinite(value)) {
        throw this.report.error('bad-response', `${this.where}: GetQueueAttributes did not return ${name} as a number`);
      }
      total += value;
    }
    return total;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

export const sqsSource = defineSource({
  kind: 'sqs',
  status: 'real-tested',
  description: 'AWS SQS ApproximateNumberOfMessages (+ NotVisible)',
  schema: sqsSchema,
  create: (config, context) => new SqsQueueSource(config, context),
});
