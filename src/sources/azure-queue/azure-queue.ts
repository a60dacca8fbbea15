// `azure-queue`: the approximate message count of an Azure Storage queue (Get Queue Metadata,
// x-ms-approximate-messages-count) via the official SDK. Credentials: a connection string, or an
// account name + key (+ an endpoint for sovereign clouds or the Azurite emulator).
import { QueueClient, QueueServiceClient, StorageSharedKeyCredential } from '@azure/storage-queue';
import { z } from 'zod';
import { nonEmptyString, url } from '../../config/fields.js';
import { defineSource, type Source, type SourceContext } from '../types.js';
import { FailureReporter } from '../shared/http-errors.js';
import { classifyAzureError } from './azure-errors.js';
import { connectionStringProblem, connectionStringSecrets } from './connection-string.js';

export const azureQueueSchema = z
  .object({
    source: z.literal('azure-queue'),
    queue: nonEmptyString('a queue name').regex(
      /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/,
      'expected an Azure queue name: 3-63 lowercase letters, digits and single hyphens',
    ),
    /** e.g. ${AZURE_STORAGE_CONNECTION_STRING}; or give account + accountKey. */
    connectionString: nonEmptyString('a storage connection string').optional(),
    account: nonEmptyString('a storage account name').optional(),
    accountKey: nonEmptyString('a storage account key').optional(),
    /** Queue service URL; default https://ACCOUNT.queue.core.windows.net. With Azurite: http://127.0.0.1:10001/devstoreaccount1 */
    endpoint: url('an http(s):// queue service URL').optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const hasKey = config.account !== undefined || config.accountKey !== undefined;
    // Issues point at keys whose value is never printed (absent, or the account name): no secret in messages.
    if (config.connectionString !== undefined && (hasKey || config.endpoint !== undefined)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [],
        message: 'give either connectionString, or account + accountKey (+ endpoint), not both',
      });
    } else if (config.connectionString === undefined && !(config.account && config.accountKey)) {
      const missing = config.account ? 'accountKey' : 'account';
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [missing],
        message: `needs connectionString, or account and accountKey (e.g. accountKey: \${AZURE_STORAGE_KEY})`,
      });
    } else if (config.connectionString !== undefined) {
      const problem = connectionStringProblem(config.connectionString);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['connectionString'], message: problem });
    }
  });

export type AzureQueueConfig = z.infer<typeof azureQueueSchema>;

function makeClient(config: AzureQueueConfig): QueueClient {
  // One attempt per read: the agent reads again next tick, and retries would only spend the timeout.
  const options = { retryOptions: { maxTries: 1 } };
  if (config.connectionString)
    return QueueServiceClient.fromConnectionString(config.connectionString, options).getQueueClient(config.queue);
  const account = config.account ?? '';
  const base = (config.endpoint ?? `https://${account}.queue.core.windows.net`).replace(/\/+$/, '');
  return new QueueClient(`${base}/${config.queue}`, new StorageSharedKeyCredential(account, config.accountKey ?? ''), options);
}

export class AzureQueueSource implements Source {
  private readonly client: QueueClient;
  private readonly report: FailureReporter;
  private readonly where: string;

  constructor(config: AzureQueueConfig, context: Pick<SourceContext, 'service'>) {
    const secrets = config.connectionString ? connectionStringSecrets(config.connectionString) : [config.accountKey ?? ''];
    this.report = new FailureReporter('azure-queue', context.service, secrets);
    this.client = makeClient(config);
    this.where = `Azure Storage queue "${config.queue}" at ${new URL(this.client.url).host}`;
  }

  async read(signal: AbortSignal): Promise<number> {
    let count: number | undefined;
    try {
      count = (await this.client.getProperties({ abortSignal: signal })).approximateMessagesCount;
    } catch (error) {
      throw classifyAzureError(error, signal, this.report, this.where);
    }
    if (typeof count !== 'number' || !Number.isFinite(count)) {
      throw this.report.error('bad-response', `${this.where}: the answer has no x-ms-approximate-messages-count`);
    }
    return count;
  }

  async close(): Promise<void> {}
}

export const azureQueueSource = defineSource({
  kind: 'azure-queue',
  status: 'real-tested',
  description: 'Azure Storage queue approximate message count',
  schema: azureQueueSchema,
  create: (config, context) => new AzureQueueSource(config, context),
});
