// nsq source: the shared conformance suite and its own error cases, against fake-nsqd.ts, which serves
// the documented /stats shapes only (no nsqd can run here; the README says so).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sourceConformance, conformanceContext } from '../testing/conformance.js';
import { closedPort } from '../../bench/fakes/http-stub.js';
import { assertReadFails } from '../testing/read-fails.js';
import { NsqDepthSource, nsqSchema } from './nsq.js';
import { startFakeNsqd, type FakeNsqd } from '../../bench/fakes/fake-nsqd.js';

function source(url: string, extra: Record<string, unknown> = {}): NsqDepthSource {
  return new NsqDepthSource(nsqSchema.parse({ source: 'nsq', url, topic: 'jobs', channel: 'workers', ...extra }), conformanceContext);
}

sourceConformance('nsq (fake nsqd, documented API)', {
  setup: async () => {
    const nsqd = await startFakeNsqd('v1');
    const port = await closedPort();
    return {
      create: () => source(nsqd.url),
      setValue: async (value) => nsqd.setTopic('jobs', 0, { workers: { depth: value } }),
      createUnreachable: () => source(`http://127.0.0.1:${port}`),
      createMissing: () => source(nsqd.url, { topic: 'no-such-topic' }),
      cleanup: () => nsqd.close(),
    };
  },
});

describe('nsq source', () => {
  let nsqd: FakeNsqd;
  before(async () => {
    nsqd = await startFakeNsqd('v1');
  });
  after(() => nsqd.close());

  it('reads the legacy {status_code, status_txt, data} envelope of nsqd before 1.0', async () => {
    const legacy = await startFakeNsqd('legacy');
    legacy.setTopic('jobs', 3, { workers: { depth: 41 }, other: { depth: 7 } });
    const reader = source(legacy.url);
    try {
      assert.equal(await reader.read(AbortSignal.timeout(2000)), 41);
    } finally {
      await reader.close();
      await legacy.close();
    }
  });

  it('gets the plain body from nsqd 0.3.x by asking for version 1.0', async () => {
    const negotiating = await startFakeNsqd('negotiate');
    negotiating.setTopic('jobs', 0, { workers: { depth: 12 } });
    const reader = source(negotiating.url);
    try {
      assert.equal(await reader.read(AbortSignal.timeout(2000)), 12);
    } finally {
      await reader.close();
      await negotiating.close();
    }
  });

  it("reads a topic's own depth when no channel is given, and adds in-flight + deferred when asked", async () => {
    nsqd.setTopic('jobs', 9, { workers: { depth: 5, inFlight: 2, deferred: 1 } });
    const topicOnly = new NsqDepthSource(nsqSchema.parse({ source: 'nsq', url: nsqd.url, topic: 'jobs' }), conformanceContext);
    const withInFlight = source(nsqd.url, { includeInFlight: true });
    try {
      assert.equal(await topicOnly.read(AbortSignal.timeout(2000)), 9);
      assert.equal(await withInFlight.read(AbortSignal.timeout(2000)), 8);
    } finally {
      await topicOnly.close();
      await withInFlight.close();
    }
  });

  it('names the missing channel and lists the ones that exist', async () => {
    nsqd.setTopic('jobs', 0, { archive: { depth: 1 } });
    const reader = source(nsqd.url);
    try {
      await assertReadFails(reader, 'not-found', /no channel "workers".*archive/);
    } finally {
      await reader.close();
    }
  });

  it('reports a non-JSON body, an error envelope and a proxy refusing auth distinctly', async () => {
    const reader = source(nsqd.url);
    try {
      nsqd.override = { status: 200, body: '<html>login</html>' };
      await assertReadFails(reader, 'bad-response', /not JSON/);
      nsqd.override = { status: 500, body: JSON.stringify({ status_code: 500, status_txt: 'INTERNAL_ERROR', data: null }) };
      await assertReadFails(reader, 'bad-response', /500/);
      nsqd.override = { status: 401, body: '{"message":"UNAUTHORIZED"}' };
      await assertReadFails(reader, 'auth', /nsqd/);
    } finally {
      nsqd.override = undefined;
      await reader.close();
    }
  });

  it('gives up at the read timeout with a timeout error', async () => {
    nsqd.setTopic('jobs', 0, { workers: { depth: 1 } });
    nsqd.delayMs = 2000;
    const reader = source(nsqd.url);
    try {
      await assertReadFails(reader, 'timeout', /nsqd/, 200);
    } finally {
      nsqd.delayMs = 0;
      await reader.close();
    }
  });

  it('rejects includeInFlight without a channel, naming the fix', () => {
    const result = nsqSchema.safeParse({ source: 'nsq', topic: 'jobs', includeInFlight: true });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error?.issues), /needs a channel/);
    const defaults = nsqSchema.parse({ source: 'nsq', topic: 'jobs' });
    assert.equal(defaults.url, 'http://127.0.0.1:4151');
  });
});
