// prometheus source against a real Prometheus (Debian's binary) that this test starts on a free loopback
// port, behind basic auth, scraping an exporter the test serves. Skips loudly when the binary is absent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { needService, eventually } from '../../testing/services.js';
import { conformanceContext, sourceConformance } from '../testing/conformance.js';
import { closedPort, startStub } from '../../bench/fakes/http-stub.js';
import { assertReadFails } from '../testing/read-fails.js';
import { PrometheusQuerySource, prometheusSchema } from './prometheus.js';
import { htpasswdInstalled, prometheusInstalled, startTestPrometheus, type TestPrometheus } from '../../bench/services/prometheus.js';

const AUTH = { username: 'scaler', password: 'pr0m-s3cret' };
const prometheusCheck = {
  what: "Debian's prometheus binary",
  howToStart: '../shared/tools/queue-servers up (installs it)',
  probe: async () => prometheusInstalled(),
};
// Basic auth needs a bcrypt hash from htpasswd (apache2-utils, which .ci/run installs); without it the
// server runs open and only the auth test skips.
const htpasswdCheck = {
  what: 'htpasswd (apache2-utils), for the bcrypt hash of Prometheus basic auth',
  howToStart: 'apt-get install -y apache2-utils',
  probe: async () => htpasswdInstalled(),
};
const withAuth = htpasswdInstalled();

function source(url: string, query: string, password = AUTH.password): PrometheusQuerySource {
  const auth = withAuth ? { auth: { basic: { username: AUTH.username, password } } } : {};
  return new PrometheusQuerySource(prometheusSchema.parse({ source: 'prometheus', url, query, ...auth }), conformanceContext);
}

/** Waits for the first scrape to land (Prometheus needs a few seconds for its first sample). */
async function firstSample(prom: TestPrometheus, query: string): Promise<void> {
  const reader = source(prom.url, query);
  const ok = await eventually(
    () =>
      reader.read(AbortSignal.timeout(2000)).then(
        () => true,
        () => false,
      ),
    15_000,
    250,
  );
  await reader.close();
  assert.ok(ok, `no sample for ${query} within 15 s`);
}

sourceConformance('prometheus (real server)', {
  setup: async () => {
    if (!(await needService(undefined, prometheusCheck))) return undefined;
    const prom = await startTestPrometheus(withAuth ? AUTH : undefined);
    prom.metrics.set('queue_depth{queue="jobs"}', 0);
    await firstSample(prom, 'queue_depth{queue="jobs"}');
    const port = await closedPort();
    return {
      create: () => source(prom.url, 'queue_depth{queue="jobs"}'),
      setValue: async (value) => void prom.metrics.set('queue_depth{queue="jobs"}', value),
      createUnreachable: () => source(`http://127.0.0.1:${port}`, 'up'),
      createMissing: () => source(prom.url, 'queue_depth{queue="no-such-queue"}'),
      cleanup: () => prom.close(),
      settleMs: 5000,
    };
  },
});

describe('prometheus source on a real server', () => {
  let prom: TestPrometheus | undefined;
  before(async () => {
    if (!(await needService(undefined, prometheusCheck))) return;
    prom = await startTestPrometheus(withAuth ? AUTH : undefined);
    prom.metrics.set('queue_depth{queue="jobs"}', 37);
    prom.metrics.set('queue_depth{queue="mail"}', 5);
    prom.metrics.set('queue_broken', Number.NaN);
    await firstSample(prom, 'count(queue_broken)');
  });
  after(() => prom?.close());

  async function expectFailure(
    query: string,
    failure: 'bad-response' | 'not-found' | 'auth',
    pattern: RegExp,
    password?: string,
  ): Promise<void> {
    const reader = source(prom!.url, query, password);
    try {
      await assertReadFails(reader, failure, pattern);
    } finally {
      await reader.close();
    }
  }

  it('reads an aggregated query and a scalar', async (t) => {
    if (!prom) return t.skip('no prometheus');
    for (const [query, expected] of [
      ['sum(queue_depth)', 42],
      ['scalar(max(queue_depth))', 37],
    ] as const) {
      const reader = source(prom.url, query);
      try {
        assert.equal(await reader.read(AbortSignal.timeout(2000)), expected);
      } finally {
        await reader.close();
      }
    }
  });

  it('refuses several series, naming them and the fix', async (t) => {
    if (!prom) return t.skip('no prometheus');
    await expectFailure('queue_depth', 'bad-response', /2 series.*queue="jobs".*sum\(\.\.\.\)/);
  });

  it('refuses NaN, a range vector and a query Prometheus rejects', async (t) => {
    if (!prom) return t.skip('no prometheus');
    await expectFailure('queue_broken', 'bad-response', /NaN/);
    await expectFailure('queue_depth[1m]', 'bad-response', /matrix/);
    await expectFailure('sum(queue_depth', 'bad-response', /bad_data/);
  });

  it('reports a wrong password as auth, without the password', async (t) => {
    if (!prom) return t.skip('no prometheus');
    if (!(await needService(t, htpasswdCheck))) return;
    const reader = source(prom.url, 'up', 'wrong-pass-789');
    try {
      const error = await assertReadFails(reader, 'auth', /401/);
      assert.doesNotMatch(error.message, /wrong-pass-789|pr0m-s3cret/);
    } finally {
      await reader.close();
    }
  });
});

describe('prometheus source timeout', () => {
  it('gives up at the read timeout when the server does not answer', async () => {
    const silent = await startStub(() => undefined);
    const reader = new PrometheusQuerySource(
      prometheusSchema.parse({ source: 'prometheus', url: silent.url, query: 'up' }),
      conformanceContext,
    );
    try {
      await assertReadFails(reader, 'timeout', /Prometheus/, 200);
    } finally {
      await reader.close();
      await silent.close();
    }
  });
});
