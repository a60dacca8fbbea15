// A client that pushes metrics over one kept-alive connection (what most HTTP client libraries do by
// default) must lose nothing when it idles between pushes: the server keeps idle connections open longer
// than common clients reuse them, so the client never writes into a socket the server is closing.
import assert from 'node:assert/strict';
import { Agent as HttpAgent, request } from 'node:http';
import { describe, it } from 'node:test';
import { silentLogger } from '../log/logger.js';
import { KEEP_ALIVE_TIMEOUT_MS, startApiServer } from './server.js';
import { testAgent } from './testing/agent.js';

const TOKEN = 'keep-alive-token-0123456789';

interface PushResult {
  readonly status: number;
  readonly reusedSocket: boolean;
  readonly localPort: number | undefined;
}

function push(url: string, agent: HttpAgent, value: number): Promise<PushResult> {
  const body = JSON.stringify({ value });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}api/services/orders/metric`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, reusedSocket: req.reusedSocket, localPort: req.socket?.localPort }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('API keep-alive', () => {
  it('keeps idle connections longer than common clients reuse them (Go 90 s, nginx 75 s)', () => {
    assert.ok(KEEP_ALIVE_TIMEOUT_MS > 90_000, `keepAliveTimeout ${KEEP_ALIVE_TIMEOUT_MS} ms`);
  });

  it('loses no push over one kept-alive connection with idle gaps of 4 to 10 s', async () => {
    const { agent, source } = testAgent();
    const server = await startApiServer({ agent, listen: '127.0.0.1:0', token: TOKEN, log: silentLogger() });
    // One socket, kept alive without a client-side idle limit, as Go's and Python's clients do.
    const client = new HttpAgent({ keepAlive: true, maxSockets: 1, timeout: 0 });
    try {
      const gapsMs = [4_000, 5_200, 6_000, 10_000];
      const results: PushResult[] = [await push(server.url, client, 1)];
      for (const [i, gap] of gapsMs.entries()) {
        await sleep(gap);
        results.push(await push(server.url, client, i + 2));
        assert.equal(source.value, i + 2, `push ${i + 2} after ${gap} ms idle did not reach the agent`);
      }
      assert.deepEqual(
        results.map((r) => r.status),
        results.map(() => 200),
        'every push accepted',
      );
      const ports = new Set(results.map((r) => r.localPort));
      assert.equal(ports.size, 1, `the server closed the idle connection; the client had to reconnect (${ports.size} sockets)`);
      assert.ok(
        results.slice(1).every((r) => r.reusedSocket),
        'every push after the first reused the kept-alive socket',
      );
    } finally {
      client.destroy();
      await server.close();
      await agent.stop();
    }
  });
});
