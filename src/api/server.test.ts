import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { startApi } from '../cli/lifecycle.js';
import { silentLogger } from '../log/logger.js';
import { isLoopback, parseListen } from './server.js';
import { testAgent } from './testing/agent.js';

describe('--listen', () => {
  it('parses host:port, including IPv6 in brackets, and rejects anything else with an example', () => {
    assert.deepEqual(parseListen('127.0.0.1:8321'), { host: '127.0.0.1', port: 8321 });
    assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListen('0.0.0.0:80'), { host: '0.0.0.0', port: 80 });
    for (const bad of ['8321', '127.0.0.1', 'host:99999', '::1:80'])
      assert.throws(() => parseListen(bad), /expected host:port like 127\.0\.0\.1:8321/);
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopback(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com']) assert.equal(isLoopback(host), false, host);
  });
});

describe("startApi (the CLI's API lifecycle)", () => {
  it('warns loudly when listening beyond loopback without a token, and serves anyway', async (t) => {
    const { agent } = testAgent();
    const lines: string[] = [];
    t.mock.method(console, 'error', (line: string) => lines.push(line));
    const server = await startApi(agent, agent.config, { listen: '0.0.0.0:0' }, silentLogger(), {});
    try {
      assert.ok(server);
      assert.match(lines.join('\n'), /WARNING: the API listens on 0\.0\.0\.0, which is not loopback, and MICROSCALE_API_TOKEN is not set/);
      assert.equal((await fetch(`${server.url}healthz`)).status, 200);
    } finally {
      await server?.close();
      await agent.stop();
    }
  });

  it('stays quiet on loopback, and with a token set', async (t) => {
    const { agent } = testAgent();
    const lines: string[] = [];
    t.mock.method(console, 'error', (line: string) => lines.push(line));
    const a = await startApi(agent, agent.config, { listen: '127.0.0.1:0' }, silentLogger(), {});
    const b = await startApi(agent, agent.config, { listen: '0.0.0.0:0' }, silentLogger(), { MICROSCALE_API_TOKEN: 'secret' });
    await a?.close();
    await b?.close();
    await agent.stop();
    assert.deepEqual(lines, []);
  });

  it('starts nothing with --no-api', async () => {
    const { agent } = testAgent();
    assert.equal(await startApi(agent, agent.config, { api: false }, silentLogger(), {}), undefined);
    await agent.stop();
  });

  it('goes on without the API when the configured port is taken, but fails for an explicit --listen', async (t) => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const { agent } = testAgent();
    const config = { ...agent.config, api: { enabled: true, listen: `127.0.0.1:${port}` } };
    const lines: string[] = [];
    t.mock.method(console, 'error', (line: string) => lines.push(line));
    try {
      assert.equal(await startApi(agent, config, {}, silentLogger(), {}), undefined);
      assert.match(lines.join('\n'), new RegExp(`API and dashboard not started: 127\\.0\\.0\\.1:${port} is already in use`));
      await assert.rejects(
        startApi(agent, config, { listen: `127.0.0.1:${port}` }, silentLogger(), {}),
        /--listen: 127\.0\.0\.1:\d+ is already in use; pick another address/,
      );
    } finally {
      blocker.close();
      await agent.stop();
    }
  });
});
