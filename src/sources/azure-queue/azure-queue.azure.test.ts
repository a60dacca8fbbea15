// azure-queue source against Azurite (the Azure Storage emulator, npm devDependency) started by this test
// as a child process on a free loopback port with a throwaway data directory; plus loopback stubs for a
// malformed answer and silence. Azurite checks SharedKey signatures, so a wrong key is really refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../errors.js';
import { parseConfig } from '../../agent/config-loader.js';
import { needService } from '../../testing/services.js';
import { conformanceContext, sourceConformance } from '../testing/conformance.js';
import { closedPort, startStub } from '../../bench/fakes/http-stub.js';
import { assertReadFails } from '../testing/read-fails.js';
import { AzureQueueSource, azureQueueSchema } from './azure-queue.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteInstalled, fillQueue, startAzurite, type Azurite } from '../../bench/services/azurite.js';

const ACCOUNT = AZURITE_ACCOUNT;
const KEY = AZURITE_KEY;

async function startAzuriteIfThere(): Promise<Azurite | undefined> {
  const check = {
    what: 'azurite-queue (npm devDependency)',
    howToStart: 'npm ci (azurite@3.35 is in devDependencies)',
    probe: async () => azuriteInstalled(),
  };
  return (await needService(undefined, check)) ? startAzurite() : undefined;
}

function source(config: Record<string, unknown>): AzureQueueSource {
  return new AzureQueueSource(azureQueueSchema.parse({ source: 'azure-queue', queue: 'jobs', ...config }), conformanceContext);
}

sourceConformance('azure-queue (Azurite)', {
  setup: async () => {
    const azurite = await startAzuriteIfThere();
    if (!azurite) return undefined;
    const jobs = await azurite.queue('jobs');
    const port = await closedPort();
    return {
      create: () => source({ connectionString: azurite.connectionString }),
      setValue: (value) => fillQueue(jobs, value),
      createUnreachable: () => source({ account: ACCOUNT, accountKey: KEY, endpoint: `http://127.0.0.1:${port}/${ACCOUNT}` }),
      createMissing: () => source({ connectionString: azurite.connectionString, queue: 'no-such-queue' }),
      cleanup: () => azurite.close(),
    };
  },
});

describe('azure-queue source on Azurite', () => {
  let azurite: Azurite | undefined;
  before(async () => {
    azurite = await startAzuriteIfThere();
  });
  after(() => azurite?.close());

  it('reads with account + key + endpoint as well as with a connection string', async (t) => {
    if (!azurite) return t.skip('no azurite');
    await fillQueue(await azurite.queue('orders'), 4);
    const reader = source({ queue: 'orders', account: ACCOUNT, accountKey: KEY, endpoint: azurite.endpoint });
    try {
      assert.equal(await reader.read(AbortSignal.timeout(3000)), 4);
    } finally {
      await reader.close();
    }
  });

  it('reports a wrong account key as auth, without the key', async (t) => {
    if (!azurite) return t.skip('no azurite');
    const wrongKey = Buffer.from('not-the-right-key-at-all-0123456789').toString('base64');
    const reader = source({ account: ACCOUNT, accountKey: wrongKey, endpoint: azurite.endpoint });
    try {
      const error = await assertReadFails(reader, 'auth', /refused the credentials/);
      assert.doesNotMatch(error.message, new RegExp(wrongKey.slice(0, 12)));
    } finally {
      await reader.close();
    }
  });
});

describe('azure-queue source error cases (loopback stubs and config)', () => {
  it('reports an answer without the count header as bad-response, and silence as timeout', async () => {
    const blank = await startStub((_req, res) => res.writeHead(200, { 'x-ms-request-id': '1', 'x-ms-version': '2025-01-05' }).end());
    const silent = await startStub(() => undefined);
    const bad = source({ account: ACCOUNT, accountKey: KEY, endpoint: `${blank.url}/${ACCOUNT}` });
    const slow = source({ account: ACCOUNT, accountKey: KEY, endpoint: `${silent.url}/${ACCOUNT}` });
    try {
      await assertReadFails(bad, 'bad-response', /approximate-messages-count/);
      await assertReadFails(slow, 'timeout', /Azure Storage queue/, 300);
    } finally {
      await Promise.all([bad.close(), slow.close(), blank.close(), silent.close()]);
    }
  });

  it('rejects incomplete credentials at validation without echoing the secret', () => {
    const secret = 'TOPSECRETKEYVALUE==';
    const metric = { source: 'azure-queue', queue: 'jobs', connectionString: `DefaultEndpointsProtocol=https;AccountKey=${secret}` };
    assert.throws(
      () => parseConfig({ capacity: 2, services: [{ name: 'worker', target: { queueLength: 10 }, metric }] }, {}),
      (error: unknown) =>
        error instanceof ConfigError &&
        /metric\.connectionString: has no AccountName/.test(error.message) &&
        !error.message.includes(secret),
    );
    assert.equal(azureQueueSchema.safeParse({ source: 'azure-queue', queue: 'jobs', account: ACCOUNT }).success, false);
    assert.equal(
      azureQueueSchema.safeParse({ source: 'azure-queue', queue: 'jobs', connectionString: 'UseDevelopmentStorage=true', account: ACCOUNT })
        .success,
      false,
    );
  });
});
