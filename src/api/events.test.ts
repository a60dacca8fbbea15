import assert from 'node:assert/strict';
import { request } from 'node:http';
import { afterEach, describe, it } from 'node:test';
import { silentLogger } from '../log/logger.js';
import { eventually } from '../testing/services.js';
import { startApiServer, type ApiServer } from './server.js';
import { testAgent } from './testing/agent.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

async function serve(events = { heartbeatMs: 60_000 }) {
  const t = testAgent();
  const server: ApiServer = await startApiServer({ agent: t.agent, listen: '127.0.0.1:0', log: silentLogger(), events });
  cleanups.push(
    () => t.agent.stop(),
    () => server.close(),
  );
  return { ...t, server };
}

/** Opens the event stream and collects what arrives; `close()` hangs up like a closed tab. */
function listen(port: number, headers: Record<string, string> = {}) {
  let text = '';
  let status = 0;
  let contentType = '';
  const req = request({ host: '127.0.0.1', port, path: '/api/events', headers }, (res) => {
    status = res.statusCode ?? 0;
    contentType = String(res.headers['content-type']);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  return {
    text: () => text,
    status: () => status,
    contentType: () => contentType,
    events: (name: string) =>
      [...text.matchAll(new RegExp(`event: ${name}\\ndata: (.*)\\n(?:id: (\\d+)\\n)?`, 'g'))].map((m) => ({
        data: JSON.parse(m[1] ?? 'null') as Record<string, unknown>,
        id: m[2],
      })),
    close: (): void => {
      req.destroy();
    },
  };
}

describe('GET /api/events', () => {
  it('streams each tick (with its seq as the event id) and each decision with its reason', async () => {
    const { server, source, tickAt, startMs } = await serve();
    const client = listen(server.port);
    cleanups.push(async () => client.close());
    assert.ok(await eventually(() => client.status() === 200, 3000));
    assert.match(client.contentType(), /text\/event-stream/);
    source.value = 300;
    await tickAt(startMs);
    assert.ok(await eventually(() => client.events('tick').length === 1 && client.events('decision').length >= 1, 3000), client.text());
    const [tick] = client.events('tick');
    assert.equal(tick?.id, '1');
    assert.equal(tick?.data.seq, 1);
    const decision = client.events('decision').find((d) => d.data.service === 'orders');
    assert.match(String(decision?.data.reason), /^orders \+\d+: /);
  });

  it('replays the ticks a reconnecting client missed (Last-Event-ID)', async () => {
    const { server, tickAt, startMs } = await serve();
    for (let i = 0; i < 4; i++) await tickAt(startMs + i * 500);
    const client = listen(server.port, { 'last-event-id': '2' });
    cleanups.push(async () => client.close());
    assert.ok(await eventually(() => client.events('tick').length === 2, 3000), client.text());
    assert.deepEqual(
      client.events('tick').map((t) => t.id),
      ['3', '4'],
    );
  });

  it('replays from ?since=seq, and refuses a since that is not a seq with one message naming it, the value and the fix', async () => {
    const { server, tickAt, startMs } = await serve();
    for (let i = 0; i < 3; i++) await tickAt(startMs + i * 500);
    const bad = await fetch(`${server.url}api/events?since=abc`);
    assert.equal(bad.status, 400);
    assert.deepEqual(((await bad.json()) as { problems: string[] }).problems, [
      'since: expected the seq of the last tick seen (a number >= 0), got "abc"; ' +
        'send e.g. since=42 (replays the ticks after seq 42), or leave it out to follow from now',
    ]);
    const client = request({ host: '127.0.0.1', port: server.port, path: '/api/events?since=1' });
    let text = '';
    client.on('response', (res) => res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)));
    client.on('error', () => undefined);
    client.end();
    cleanups.push(async () => void client.destroy());
    assert.ok(await eventually(() => (text.match(/^event: tick$/gm) ?? []).length === 2, 3000), text);
    assert.deepEqual(
      [...text.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]),
      ['2', '3'],
    );
  });

  it('sends heartbeat comments while nothing happens', async () => {
    const { server } = await serve({ heartbeatMs: 50 });
    const client = listen(server.port);
    cleanups.push(async () => client.close());
    assert.ok(await eventually(() => (client.text().match(/^: heartbeat/gm) ?? []).length >= 2, 3000), client.text());
  });

  it('drops a client that hangs up: its listeners leave the agent', async () => {
    const { agent, server, tickAt, startMs } = await serve();
    const baseline = agent.listenerCount('tick');
    const client = listen(server.port);
    assert.ok(await eventually(() => agent.listenerCount('tick') === baseline + 1, 3000));
    client.close();
    assert.ok(
      await eventually(() => agent.listenerCount('tick') === baseline && agent.listenerCount('decision') === 0, 3000),
      `still ${agent.listenerCount('tick')} tick listeners`,
    );
    await tickAt(startMs); // ticking with the client gone must not throw
  });

  it('drops open streams when the server closes, so the agent can stop promptly', async () => {
    const t = testAgent();
    const server = await startApiServer({ agent: t.agent, listen: '127.0.0.1:0', log: silentLogger() });
    const client = listen(server.port);
    assert.ok(await eventually(() => client.status() === 200, 3000));
    await server.close();
    assert.ok(await eventually(() => t.agent.listenerCount('decision') === 0, 3000));
    await t.agent.stop();
  });
});
