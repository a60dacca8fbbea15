import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EngineError } from '../../errors.js';
import { silentLogger } from '../../log/logger.js';
import { agentKeepsOtherServicesRight } from '../../agent/testing/engine-resilience.js';
import { engineRejection } from '../../testing/engine-rejection.js';
import { engineConformance } from '../testing/conformance.js';
import type { Engine, EngineService } from '../types.js';
import { createEcsEngine, ecsSchema, type EcsServiceOptions } from './ecs.js';
import { ecsError, FakeEcs, type FakeEcsOptions } from '../../bench/fakes/fake-ecs.js';

// Credentials and region the AWS SDK's usual way: the environment (this file runs in its own process).
process.env.AWS_ACCESS_KEY_ID = 'AKIAFAKEMICROSCALE01';
process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret-key-for-tests';
process.env.AWS_REGION = 'eu-west-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startFake(latencies: Partial<FakeEcsOptions> = {}): Promise<{ fake: FakeEcs; endpoint: string }> {
  const fake = new FakeEcs({
    accessKeyId: 'AKIAFAKEMICROSCALE01',
    region: 'eu-west-1',
    actMs: 5,
    startLatencyMs: 20,
    stopLatencyMs: 20,
    ...latencies,
  });
  return { fake, endpoint: (await fake.http.start()).origin };
}

function services(...names: string[]): EngineService<EcsServiceOptions>[] {
  return names.map((name) => ({ name, stopGracePeriodMs: 1000, options: { ecsService: name } }));
}

async function create(
  endpoint: string,
  list: EngineService<EcsServiceOptions>[],
  overrides: Record<string, unknown> = {},
  client: Record<string, unknown> = {},
): Promise<Engine> {
  const config = ecsSchema.parse({ kind: 'ecs', cluster: 'prod', endpoint, timeout: '2s', maxAttempts: 1, ...overrides });
  return createEcsEngine(config, list, { log: silentLogger(), nowMs: Date.now }, client);
}

engineConformance('ecs (documented API fake)', {
  settleMs: 3000,
  setup: async () => {
    const { fake, endpoint } = await startFake();
    fake.addService('prod', 'web');
    fake.addService('prod', 'worker');
    const engine = await create(endpoint, services('web', 'worker'));
    return { engine, services: ['web', 'worker'], cleanup: async () => (await engine.close(), await fake.http.stop()) };
  },
});

engineConformance('ecs with countStoppingTasks (documented API fake)', {
  settleMs: 3000,
  mayCountStoppingTwice: true,
  setup: async () => {
    const { fake, endpoint } = await startFake({ stopLatencyMs: 200 });
    fake.addService('prod', 'web');
    fake.addService('prod', 'worker');
    const engine = await create(endpoint, services('web', 'worker'), { countStoppingTasks: true });
    return { engine, services: ['web', 'worker'], cleanup: async () => (await engine.close(), await fake.http.stop()) };
  },
});

describe('ecs engine against the documented API', () => {
  let fake: FakeEcs;
  let endpoint: string;
  before(async () => ({ fake, endpoint } = await startFake()));
  after(() => fake.http.stop());

  it('speaks AWS JSON 1.1: UpdateService with cluster, service and desiredCount, signed with the SDK credentials', async () => {
    fake.addService('prod', 'orders', 1);
    const engine = await create(endpoint, services('orders'));
    await engine.apply([{ name: 'orders', replicas: 3 }]);
    const update = fake.http.requests.at(-1)!;
    assert.equal(update.headers['x-amz-target'], 'AmazonEC2ContainerServiceV20141113.UpdateService');
    assert.equal(update.headers['content-type'], 'application/x-amz-json-1.1');
    assert.match(
      String(update.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKIAFAKEMICROSCALE01\/\d{8}\/eu-west-1\/ecs\/aws4_request/,
    );
    assert.deepEqual(JSON.parse(update.body), { cluster: 'prod', service: 'orders', desiredCount: 3 });
    await pause(10);
    assert.equal(fake.liveCount('prod', 'orders'), 3);
  });

  it('reads every service of a cluster with one DescribeServices call per tick', async () => {
    for (const name of ['s1', 's2', 's3']) fake.addService('prod', name, 1);
    const engine = await create(endpoint, services('s1', 's2', 's3'));
    const before = fake.http.requests.length;
    const state = await engine.observe();
    const calls = fake.http.requests.slice(before);
    assert.equal(calls.length, 1);
    assert.deepEqual(JSON.parse(calls[0]!.body), { cluster: 'prod', services: ['s1', 's2', 's3'] });
    assert.equal(state.size, 3);
  });

  it('counts pendingCount as starting, and the excess over a lowered desiredCount as stopping', async () => {
    const slow = await startFake({ startLatencyMs: 500 });
    try {
      slow.fake.addService('prod', 'shrink', 3);
      const engine = await create(slow.endpoint, services('shrink'));
      assert.deepEqual((await engine.observe()).get('shrink'), { running: 0, starting: 3, stopping: 0 });
      await pause(550);
      assert.deepEqual((await engine.observe()).get('shrink'), { running: 3, starting: 0, stopping: 0 });
      await engine.apply([{ name: 'shrink', replicas: 1 }]);
      // The answer ECS gives before its scheduler acts on the lower desiredCount.
      const before = { serviceName: 'shrink', status: 'ACTIVE', desiredCount: 1, runningCount: 3, pendingCount: 0 };
      slow.fake.http.fail({ target: /DescribeServices/, fault: { status: 200, body: { services: [before], failures: [] } }, times: 1 });
      assert.deepEqual((await engine.observe()).get('shrink'), { running: 1, starting: 0, stopping: 2 });
    } finally {
      await slow.fake.http.stop();
    }
  });

  it('with countStoppingTasks, counts tasks ECS is stopping (ListTasks STOPPED + DescribeTasks) until they are STOPPED', async () => {
    const slow = await startFake({ stopLatencyMs: 1500 });
    try {
      slow.fake.addService('prod', 'drain', 3);
      const engine = await create(slow.endpoint, services('drain'), { countStoppingTasks: true });
      await pause(60);
      await engine.observe();
      await engine.apply([{ name: 'drain', replicas: 1 }]);
      await pause(30); // the scheduler has acted: runningCount is 1, two tasks are STOPPING for 1.5 s
      assert.deepEqual((await engine.observe()).get('drain'), { running: 1, starting: 0, stopping: 2 });
      const targets = slow.fake.http.requests.slice(-3).map((r) => String(r.headers['x-amz-target']).split('.').at(-1));
      assert.deepEqual(targets, ['DescribeServices', 'ListTasks', 'DescribeTasks']);
      await pause(1600);
      assert.deepEqual((await engine.observe()).get('drain'), { running: 1, starting: 0, stopping: 0 });
    } finally {
      await slow.fake.http.stop();
    }
  });

  it('refuses at start a missing service (MISSING), a missing cluster and unrecognized credentials', async () => {
    fake.addService('prod', 'exists');
    const missing = await engineRejection(create(endpoint, services('exists', 'ghost')));
    assert.equal(missing.failure, 'not-found');
    assert.match(missing.message, /"ghost".*MISSING/);
    const cluster = await engineRejection(create(endpoint, services('exists'), { cluster: 'nope' }));
    assert.equal(cluster.failure, 'not-found');
    assert.match(cluster.message, /ClusterNotFoundException/);
    const auth = await engineRejection(
      create(endpoint, services('exists'), {}, { credentials: { accessKeyId: 'AKIAWRONG', secretAccessKey: 'x' } }),
    );
    assert.equal(auth.failure, 'auth');
    assert.match(auth.message, /UnrecognizedClientException/);
  });

  const updateFaults: [string, ReturnType<typeof ecsError> | 'hang', EngineError['failure']][] = [
    ['ServiceNotFoundException', ecsError('ServiceNotFoundException', 'Service not found.'), 'not-found'],
    [
      'AccessDeniedException',
      ecsError('AccessDeniedException', 'User: arn:aws:iam::123456789012:user/ms is not authorized to perform: ecs:UpdateService'),
      'auth',
    ],
    ['ThrottlingException', ecsError('ThrottlingException', 'Rate exceeded'), 'throttled'],
    ['a hung request', 'hang', 'timeout'],
  ];
  for (const [what, fault, failure] of updateFaults) {
    it(`UpdateService answered with ${what} is a "${failure}" EngineError, then backs off`, async () => {
      const name = `svc-${failure}`;
      fake.addService('prod', name, 0);
      const engine = await create(endpoint, services(name), { timeout: fault === 'hang' ? '300ms' : '2s' });
      fake.http.fail({ target: /UpdateService/, body: new RegExp(`"service":"${name}"`), fault, times: 1 });
      const error = await engineRejection(engine.apply([{ name, replicas: 1 }]));
      assert.equal(error.failure, failure);
      assert.equal(error.service, name);
      const sent = fake.updates.length;
      await engine.observe();
      await engine.apply([{ name, replicas: 1 }]);
      assert.equal(fake.updates.length, sent, 'no new UpdateService inside the backoff');
      await pause(600);
      await engine.observe();
      await engine.apply([{ name, replicas: 1 }]);
      assert.equal(fake.updates.length, sent + 1, 'retried after the backoff');
    });
  }

  it('a hung DescribeServices times out; the SDK error never escapes as anything but an EngineError', async () => {
    fake.addService('prod', 'slow', 1);
    const engine = await create(endpoint, services('slow'), { timeout: '300ms' });
    fake.http.fail({ target: /DescribeServices/, fault: 'hang' });
    await pause(600);
    assert.equal((await engineRejection(engine.observe())).failure, 'timeout');
    fake.http.clearFaults();
  });
});

describe('ecs engine under the agent', () => {
  it('keeps ticking and keeps the other service right while UpdateService for one service is throttled', async () => {
    const { fake, endpoint } = await startFake();
    fake.addService('prod', 'a');
    fake.addService('prod', 'b');
    try {
      await agentKeepsOtherServicesRight({
        engine: { kind: 'ecs', cluster: 'prod', endpoint, timeout: '2s', maxAttempts: 1 },
        serviceKeys: (name) => ({ ecsService: name }),
        live: (name) => fake.liveCount('prod', name),
        breakB: () =>
          fake.http.fail({
            target: /UpdateService/,
            path: /^\/$/,
            body: /"service":"b"/,
            fault: ecsError('ThrottlingException', 'Rate exceeded'),
          }),
      });
    } finally {
      await fake.http.stop();
    }
  });
});
