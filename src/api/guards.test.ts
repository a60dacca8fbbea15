// The guards every route passes, on a real HTTP server: the body limit, the allowed-Host check (DNS
// rebinding), the security headers of the dashboard, and many event streams without a listener warning.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { silentLogger } from '../log/logger.js';
import { hostAllowed, hostName } from './guards.js';
import { startApiServer, type ApiServer } from './server.js';
import { testAgent } from './testing/agent.js';

const TOKEN = 'guards-test-token';

/** A request; with `declaredLength`, it announces that many bytes, sends only `body`, and waits for the answer. */
function send(
  server: ApiServer,
  path: string,
  options: {
    method?: string;
    host?: string;
    body?: Buffer;
    headers?: Record<string, string>;
    declaredLength?: number;
    chunked?: boolean;
  } = {},
) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          req.destroy();
        });
      },
    );
    req.on('error', reject);
    if (options.chunked)
      req.write(options.body ?? Buffer.alloc(0)); // no length: the server counts as it reads
    else if (options.declaredLength === undefined) req.end(options.body);
    else {
      req.setHeader('content-length', options.declaredLength);
      req.write(options.body ?? Buffer.alloc(0));
    }
  });
}

async function withServer(allowedHosts: readonly string[], test: (server: ApiServer) => Promise<void>): Promise<void> {
  const { agent } = testAgent();
  const server = await startApiServer({ agent, listen: '127.0.0.1:0', token: TOKEN, log: silentLogger(), allowedHosts });
  try {
    await test(server);
  } finally {
    await server.close();
    await agent.stop();
  }
}

describe('API guards', () => {
  it('refuses a body over 1 MiB with 413, without reading it', async () => {
    await withServer([], async (server) => {
      const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      // 10 MB announced, 64 KiB sent: the answer comes without the rest being read.
      const big = await send(server, '/api/services/orders/metric', {
        method: 'POST',
        headers: auth,
        body: Buffer.alloc(64 * 1024, 0x20),
        declaredLength: 10_000_000,
      });
      assert.equal(big.status, 413);
      assert.match(big.body, /larger than 1048576 bytes/);
      // No Content-Length (chunked): refused once the bytes read pass the limit.
      const streamed = await send(server, '/api/services/orders/metric', {
        method: 'POST',
        headers: auth,
        body: Buffer.alloc(1100 * 1024, 0x20),
        chunked: true,
      });
      assert.equal(streamed.status, 413);
      const small = await send(server, '/api/services/orders/metric', { method: 'POST', headers: auth, body: Buffer.from('{"value": 3}') });
      assert.equal(small.status, 200, small.body);
    });
  });

  it('serves loopback names, IP addresses and the allowed hosts; refuses any other Host (DNS rebinding) naming the fix', async () => {
    await withServer(['.example.com', 'agent.internal'], async (server) => {
      const port = server.port;
      for (const host of [
        `localhost:${port}`,
        `127.0.0.1:${port}`,
        `[::1]:${port}`,
        `10.1.2.3:${port}`,
        `agent.example.com:${port}`,
        `example.com:${port}`,
        `agent.internal:${port}`,
      ]) {
        assert.equal((await send(server, '/api/state', { host })).status, 200, host);
      }
      const rebound = await send(server, '/api/state', { host: `evil.attacker.test:${port}` });
      assert.equal(rebound.status, 403);
      assert.match(rebound.body, /Host \\"evil\.attacker\.test\\" is not allowed .* add \\"evil\.attacker\.test\\" to api\.allowedHosts/);
      assert.equal((await send(server, '/', { host: `notexample.com:${port}` })).status, 403, 'a suffix entry matches whole labels only');
    });
  });

  it('sends CSP and frame headers on the dashboard and the API', async () => {
    await withServer([], async (server) => {
      for (const path of ['/', '/api/state']) {
        const response = await send(server, path);
        assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/, path);
        assert.match(String(response.headers['content-security-policy']), /script-src 'self'/, path);
        assert.equal(response.headers['x-frame-options'], 'DENY', path);
        assert.equal(response.headers['x-content-type-options'], 'nosniff', path);
      }
    });
  });

  it('keeps one listener on the agent for 25 event streams, and prints no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    const { agent } = testAgent();
    const server = await startApiServer({ agent, listen: '127.0.0.1:0', log: silentLogger() });
    const streams = Array.from({ length: 25 }, () => new AbortController());
    try {
      const before = agent.listenerCount('tick');
      const responses = await Promise.all(streams.map((abort) => fetch(`${server.url}api/events`, { signal: abort.signal })));
      assert.ok(responses.every((r) => r.status === 200));
      assert.equal(agent.listenerCount('tick'), before + 1, 'one listener for all streams');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(
        warnings.map((w) => w.name).filter((n) => n === 'MaxListenersExceededWarning'),
        [],
      );
    } finally {
      streams.forEach((abort) => abort.abort());
      process.off('warning', onWarning);
      await server.close();
      await agent.stop();
    }
  });

  it('reads the host name out of a Host header', () => {
    assert.equal(hostName('Example.COM:8321'), 'example.com');
    assert.equal(hostName('[::1]:8321'), '::1');
    assert.equal(hostName('localhost'), 'localhost');
    assert.equal(hostAllowed('evil.test', ['*']), true);
    assert.equal(hostAllowed('evil.test', []), false);
  });
});
