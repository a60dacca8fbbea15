// sqs source against fauxqs (an SQS-compatible server from npm) that this test starts in-process on a
// free loopback port, plus loopback stubs for what fauxqs cannot do: refuse credentials (it accepts
// any), answer garbage, or not answer at all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { needService } from '../../testing/services.js';
import { conformanceContext, sourceConformance } from '../testing/conformance.js';
import { closedPort, startStub } from '../../bench/fakes/http-stub.js';
import { assertReadFails } from '../testing/read-fails.js';
import { SqsQueueSource, sqsSchema } from './sqs.js';
import { FAUXQS_CREDENTIALS, fauxqsInstalled, startFauxqs, type Fauxqs } from '../../bench/services/fauxqs.js';

async function startFauxqsIfThere(): Promise<Fauxqs | undefined> {
  const check = {
    what: 'fauxqs (npm devDependency, an SQS-compatible server)',
    howToStart: 'npm ci (fauxqs@1.9.2 is in devDependencies)',
    probe: fauxqsInstalled,
  };
  return (await needService(undefined, check)) ? startFauxqs() : undefined;
}

function source(endpoint: string, queue: string, extra: Record<string, unknown> = {}): SqsQueueSource {
  return new SqsQueueSource(
    sqsSchema.parse({ source: 'sqs', queue, endpoint, region: 'us-east-1', credentials: FAUXQS_CREDENTIALS, ...extra }),
    conformanceContext,
  );
}

sourceConformance('sqs (fauxqs)', {
  setup: async () => {
    const fauxqs = await startFauxqsIfThere();
    if (!fauxqs) return undefined;
    const queueUrl = await fauxqs.createQueue('jobs');
    const port = await closedPort();
    return {
      create: () => source(fauxqs.endpoint, 'jobs'),
      setValue: (value) => fauxqs.fill(queueUrl, value),
      createUnreachable: () => source(`http://127.0.0.1:${port}`, 'jobs'),
      createMissing: () => source(fauxqs.endpoint, 'no-such-queue'),
      cleanup: () => fauxqs.close(),
    };
  },
});

describe('sqs source on fauxqs', () => {
  let fauxqs: Fauxqs | undefined;
  before(async () => {
    fauxqs = await startFauxqsIfThere();
  });
  after(() => fauxqs?.close());

  it('counts received-but-undeleted messages only with includeNotVisible, by queue URL', async (t) => {
    if (!fauxqs) return t.skip('no fauxqs');
    const queueUrl = await fauxqs.createQueue('visibility');
    await fauxqs.fill(queueUrl, 10);
    await fauxqs.admin.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 4, VisibilityTimeout: 60 }));
    const visible = source(fauxqs.endpoint, queueUrl);
    const all = source(fauxqs.endpoint, queueUrl, { includeNotVisible: true });
    try {
      assert.equal(await visible.read(AbortSignal.timeout(2000)), 6);
      assert.equal(await all.read(AbortSignal.timeout(2000)), 10);
    } finally {
      await visible.close();
      await all.close();
    }
  });

  it('reports a deleted queue as not-found, and finds it again by name once re-created', async (t) => {
    if (!fauxqs) return t.skip('no fauxqs');
    const queueUrl = await fauxqs.createQueue('transient');
    await fauxqs.fill(queueUrl, 3);
    const reader = source(fauxqs.endpoint, 'transient');
    try {
      assert.equal(await reader.read(AbortSignal.timeout(2000)), 3);
      await fauxqs.admin.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      await assertReadFails(reader, 'not-found', /queue transient/);
      await fauxqs.fill(await fauxqs.createQueue('transient'), 2);
      assert.equal(await reader.read(AbortSignal.timeout(2000)), 2);
    } finally {
      await reader.close();
    }
  });
});

describe('sqs source error cases (loopback stubs)', () => {
  const queueUrl = 'http://127.0.0.1/000000000000/jobs';

  it('reports a 403 from the service as auth, without the secret key', async () => {
    const stub = await startStub((_req, res) =>
      res
        .writeHead(403, { 'content-type': 'application/x-amz-json-1.0' })
        .end(
          '{"__type":"com.amazon.coral.service#InvalidClientTokenId","message":"The security token included in the request is invalid."}',
        ),
    );
    const reader = source(stub.url, queueUrl);
    try {
      const error = await assertReadFails(reader, 'auth', /refused the credentials/);
      assert.doesNotMatch(error.message, /sqs-s3cret-key/);
    } finally {
      await reader.close();
      await stub.close();
    }
  });

  it('reports an answer that is not SQS as bad-response, and silence as timeout', async () => {
    const garbage = await startStub((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{"Attributes":{}}'),
    );
    const silent = await startStub(() => undefined);
    const bad = source(garbage.url, queueUrl);
    const slow = source(silent.url, queueUrl);
    try {
      await assertReadFails(bad, 'bad-response', /ApproximateNumberOfMessages/);
      await assertReadFails(slow, 'timeout', /SQS/, 300);
    } finally {
      await Promise.all([bad.close(), slow.close(), garbage.close(), silent.close()]);
    }
  });
});
