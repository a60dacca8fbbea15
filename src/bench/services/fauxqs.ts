// Test and benchmark harness: fauxqs (an SQS-compatible server from npm) in-process on a free loopback
// port, with an admin client to create and fill queues. Any credentials work with fauxqs.
import { CreateQueueCommand, PurgeQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { closedPort } from '../fakes/http-stub.js';

export const FAUXQS_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'sqs-s3cret-key' };

export interface Fauxqs {
  readonly endpoint: string;
  readonly admin: SQSClient;
  createQueue(name: string): Promise<string>;
  /** Empties the queue, then sends exactly `count` messages. */
  fill(queueUrl: string, count: number): Promise<void>;
  close(): Promise<void>;
}

export async function fauxqsInstalled(): Promise<boolean> {
  return import('fauxqs').then(
    () => true,
    () => false,
  );
}

export async function startFauxqs(): Promise<Fauxqs> {
  const { buildApp } = await import('fauxqs');
  const port = await closedPort();
  const app = buildApp({ logger: false });
  await app.listen({ port, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${port}`;
  // A copy: the SDK tags the credentials object it is given.
  const admin = new SQSClient({ endpoint, region: 'us-east-1', credentials: { ...FAUXQS_CREDENTIALS } });
  return {
    endpoint,
    admin,
    createQueue: async (name) => {
      const { QueueUrl } = await admin.send(new CreateQueueCommand({ QueueName: name }));
      if (!QueueUrl) throw new Error(`fauxqs returned no QueueUrl for ${name}`);
      return QueueUrl;
    },
    fill: async (queueUrl, count) => {
      await admin.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
      for (let sent = 0; sent < count; sent += 10) {
        const entries = Array.from({ length: Math.min(10, count - sent) }, (_, i) => ({ Id: `m${sent + i}`, MessageBody: 'job' }));
        await admin.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      }
    },
    close: async () => {
      admin.destroy();
      await app.close();
    },
  };
}
