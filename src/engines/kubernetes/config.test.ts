// The kubernetes engine's config and error handling, without a server: what `validate` reports, how
// services map to workloads (with the kubeconfig's namespace, read from a file), and which API failures are retried.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfigFile, parseConfig } from '../../agent/config-loader.js';
import { ConfigError, EngineError } from '../../errors.js';
import { configProblems } from '../../testing/config-problems.js';
import { toEngineError, withRetry } from './client.js';
import { workloadRefs } from './kubernetes.js';

const base = { capacity: 9, services: [{ name: 'orders', deployment: 'orders-consumer', target: 'remainder' }] };

function problems(document: Record<string, unknown>): string[] {
  return configProblems(() => parseConfig(document, {}));
}

describe('kubernetes config', () => {
  it('accepts a service naming its Deployment, and fills in leader-election defaults', () => {
    const config = parseConfig({ ...base, engine: { kind: 'kubernetes', namespace: 'apps', leaderElection: {} } }, {});
    assert.deepEqual(config.services[0]?.engineOptions, { deployment: 'orders-consumer' });
    assert.deepEqual((config.engine as Record<string, unknown>).leaderElection, {
      enabled: true,
      name: 'microscale-leader',
      leaseDuration: 8000,
      renewDeadline: 5000,
      retryPeriod: 1000,
    });
  });

  it('names the field and the fix for bad leader-election timings', () => {
    const found = problems({ ...base, engine: { kind: 'kubernetes', leaderElection: { leaseDuration: '4s', renewDeadline: '6s' } } });
    assert.ok(
      found.some((p) => p.startsWith('engine.leaderElection.renewDeadline') && p.includes('less than leaseDuration')),
      found.join('\n'),
    );
  });

  it('rejects a workload name Kubernetes would refuse', () => {
    const found = problems({
      ...base,
      engine: { kind: 'kubernetes' },
      services: [{ name: 'orders', deployment: 'Orders_Consumer', target: 'remainder' }],
    });
    assert.ok(
      found.some((p) => p.startsWith('services[0].deployment')),
      found.join('\n'),
    );
  });

  it('maps services to workloads: a Deployment by default, StatefulSets when named, the default namespace', () => {
    const refs = workloadRefs(
      [
        { name: 'orders', stopGracePeriodMs: 0, options: {} },
        { name: 'ledger', stopGracePeriodMs: 0, options: { statefulSet: 'ledger-db', namespace: 'data' } },
      ],
      'apps',
    );
    assert.deepEqual(refs, [
      { service: 'orders', kind: 'Deployment', namespace: 'apps', name: 'orders' },
      { service: 'ledger', kind: 'StatefulSet', namespace: 'data', name: 'ledger-db' },
    ]);
  });

  it('refuses a service naming both a Deployment and a StatefulSet, or two services on one workload', () => {
    assert.throws(
      () => workloadRefs([{ name: 'x', stopGracePeriodMs: 0, options: { deployment: 'a', statefulSet: 'b' } }], 'apps'),
      /services\[0\]: give deployment or statefulSet, not both/,
    );
    assert.throws(
      () =>
        workloadRefs(
          [
            { name: 'x', stopGracePeriodMs: 0, options: { deployment: 'a' } },
            { name: 'y', stopGracePeriodMs: 0, options: { deployment: 'a' } },
          ],
          'apps',
        ),
      /both scale Deployment apps\/a/,
    );
  });

  it("validate (the loader run uses too) reads the kubeconfig context's namespace: a service naming it and one leaving it out share a workload", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'microscale-kubens-'));
    try {
      // Two contexts on one (never contacted) cluster: nothing here connects, the file is only read.
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(
        kubeconfig,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'c', cluster: { server: 'https://192.0.2.1:6443' } }],
          users: [{ name: 'u', user: { token: 't' } }],
          contexts: [
            { name: 'team-a', context: { cluster: 'c', user: 'u', namespace: 'team-a' } },
            { name: 'team-b', context: { cluster: 'c', user: 'u', namespace: 'team-b' } },
            { name: 'none', context: { cluster: 'c', user: 'u' } },
          ],
          'current-context': 'team-a',
        }),
      );
      const write = (engine: Record<string, unknown>, namespace: string): string => {
        const file = join(dir, `microscale-${Math.random().toString(36).slice(2)}.yaml`);
        const services = [
          { name: 'a', deployment: 'web', namespace, target: 'remainder', priority: 1 },
          { name: 'b', deployment: 'web', target: 'remainder', priority: 2 },
        ];
        writeFileSync(file, stringify({ engine: { kind: 'kubernetes', kubeconfig, ...engine }, capacity: 4, services }));
        return file;
      };
      const refused = async (file: string, pattern: RegExp) => {
        const error = await loadConfigFile(file, {}).then(
          () => assert.fail(`${file} was accepted`),
          (e: unknown) => e,
        );
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, pattern);
        assert.match(error.message, /line \d+: services\[1\]: /, 'located');
      };
      await refused(write({}, 'team-a'), /services "a" and "b" both scale Deployment team-a\/web; one workload per service/);
      await refused(write({ context: 'team-b' }, 'team-b'), /both scale Deployment team-b\/web/);
      await refused(write({ context: 'none' }, 'default'), /both scale Deployment default\/web/);
      // Another namespace is another workload; an explicit engine.namespace was already checked without the file.
      await loadConfigFile(write({}, 'team-b'), {});
      await loadConfigFile(write({ context: 'team-b' }, 'team-a'), {});
      // No kubeconfig to read (validate on a CI machine): accepted here; run says what is missing when it connects.
      await loadConfigFile(write({ kubeconfig: join(dir, 'missing') }, 'team-a'), {});
      // A device or a directory is no kubeconfig anywhere: refused with its path, /dev/zero never read whole.
      for (const [path, kind] of [
        ['/dev/zero', 'a device'],
        [dir, 'a directory'],
      ] as const) {
        const error = await loadConfigFile(write({ kubeconfig: path }, 'team-a'), {}).then(
          () => assert.fail(`kubeconfig ${path} was accepted`),
          (e: unknown) => e,
        );
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, new RegExp(`line \\d+: engine\\.kubeconfig: ${path} is ${kind}, not a kubeconfig file`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kubernetes API failures', () => {
  const apiError = (code: number, headers: Record<string, string> = {}) =>
    new ApiException(code, 'failed', JSON.stringify({ message: `status ${code}` }), headers);
  const noSleep = { sleep: async () => undefined };

  it('retries conflicts and throttling, then succeeds', async () => {
    const failures = [apiError(409), apiError(429, { 'retry-after': '1' })];
    const waits: number[] = [];
    const result = await withRetry(
      'scale',
      async () => {
        const failure = failures.shift();
        if (failure) throw failure;
        return 'ok';
      },
      'orders',
      { sleep: async (ms) => void waits.push(ms) },
    );
    assert.equal(result, 'ok');
    assert.deepEqual(waits, [100, 1000], "backoff first, then the server's Retry-After");
  });

  it('gives up after the last attempt with an EngineError saying what failed', async () => {
    await assert.rejects(
      withRetry('cannot scale Deployment apps/orders', () => Promise.reject(apiError(409)), 'orders', { attempts: 3, ...noSleep }),
      (error: unknown) => {
        assert.ok(error instanceof EngineError);
        assert.equal(error.failure, 'conflict');
        assert.match(error.message, /cannot scale Deployment apps\/orders: HTTP 409: status 409/);
        return true;
      },
    );
  });

  it('does not retry a refusal, and points a 403 at the Role', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry('scale', () => (calls++, Promise.reject(apiError(403))), 'orders', noSleep),
      /auth: .*rbac\.yaml/,
    );
    assert.equal(calls, 1);
  });

  it('calls a refused connection unreachable', () => {
    const error = toEngineError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }), 'watch');
    assert.equal(error.failure, 'unreachable');
  });
});
