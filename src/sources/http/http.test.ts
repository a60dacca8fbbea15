// http source: conformance and error cases against a real HTTP server on loopback that the test starts.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { conformanceContext, sourceConformance } from '../testing/conformance.js';
import { HttpJsonSource, httpSchema } from './http.js';
import { closedPort, startStub, type StubServer } from '../../bench/fakes/http-stub.js';
import { assertReadFails } from '../testing/read-fails.js';

const TOKEN = 's3cret-token-123';

/** A queue service reporting {"queues":[{"name":"jobs","stats":{"ready":N}}]} behind a bearer token. */
function queueService(state: { ready: number; connections: Set<string> }) {
  return (req: IncomingMessage, res: ServerResponse) => {
    state.connections.add(`${req.socket.remotePort}`);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end('{"error":"unauthorized"}');
    if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 2000);
    if (req.url === '/html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
    if (req.url === '/broken') return void res.writeHead(500).end('{"error":"db down"}');
    if (req.url !== '/stats') return void res.writeHead(404).end('{"error":"no route"}');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ queues: [{ name: 'jobs', stats: { ready: state.ready, label: 'x' } }] }));
  };
}

function source(url: string, path: string, token = TOKEN): HttpJsonSource {
  return new HttpJsonSource(httpSchema.parse({ source: 'http', url, path, auth: { bearer: token } }), conformanceContext);
}

sourceConformance('http (loopback JSON server)', {
  setup: async () => {
    const state = { ready: 0, connections: new Set<string>() };
    const server = await startStub(queueService(state));
    const port = await closedPort();
    return {
      create: () => source(`${server.url}/stats`, '/queues/0/stats/ready'),
      setValue: async (value) => void (state.ready = value),
      createUnreachable: () => source(`http://127.0.0.1:${port}/stats`, 'a'),
      createMissing: () => source(`${server.url}/nope`, 'a'),
      cleanup: () => server.close(),
    };
  },
});

describe('http source', () => {
  const state = { ready: 37, connections: new Set<string>() };
  let server: StubServer;
  before(async () => {
    server = await startStub(queueService(state));
  });
  after(() => server.close());

  it('takes the same number by JSON pointer and by dotted path', async () => {
    const byPointer = source(`${server.url}/stats`, '/queues/0/stats/ready');
    const byPath = source(`${server.url}/stats`, 'queues[0].stats.ready');
    try {
      assert.equal(await byPointer.read(AbortSignal.timeout(2000)), 37);
      assert.equal(await byPath.read(AbortSignal.timeout(2000)), 37);
    } finally {
      await byPointer.close();
      await byPath.close();
    }
  });

  it('reuses one keep-alive connection across sequential reads', async () => {
    const reader = source(`${server.url}/stats`, 'queues[0].stats.ready');
    state.connections.clear();
    try {
      for (let i = 0; i < 5; i++) await reader.read(AbortSignal.timeout(2000));
      assert.equal(state.connections.size, 1);
    } finally {
      await reader.close();
    }
  });

  it('reports a refused token as auth, without the token in the message', async () => {
    const reader = source(`${server.url}/stats`, 'queues[0].stats.ready', 'wrong-token-456');
    try {
      const error = await assertReadFails(reader, 'auth', /401/);
      assert.doesNotMatch(error.message, /wrong-token-456|s3cret/);
    } finally {
      await reader.close();
    }
  });

  it('reports a missing field, a non-number, a non-JSON body and a 500 as bad-response', async () => {
    const cases: [string, string, RegExp][] = [
      ['/stats', 'queues[0].stats.waiting', /nothing at \/queues\/0\/stats\/waiting.*keys ready, label/],
      ['/stats', 'queues[0].stats.label', /"x", not a finite number/],
      ['/html', 'a', /text\/html, not JSON/],
      ['/broken', 'a', /HTTP 500/],
    ];
    for (const [path, field, pattern] of cases) {
      const reader = source(`${server.url}${path}`, field);
      try {
        await assertReadFails(reader, 'bad-response', pattern);
      } finally {
        await reader.close();
      }
    }
  });

  it('gives up at the read timeout with a timeout error', async () => {
    const reader = source(`${server.url}/slow`, 'a');
    try {
      await assertReadFails(reader, 'timeout', /HTTP endpoint/, 200);
    } finally {
      await reader.close();
    }
  });

  it('rejects a malformed path at validation, naming it', () => {
    const result = httpSchema.safeParse({ source: 'http', url: 'http://127.0.0.1/x', path: 'a..b' });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error?.issues), /not a valid path/);
    assert.equal(httpSchema.safeParse({ source: 'http', url: 'ftp://host/x' }).success, false);
  });
});
