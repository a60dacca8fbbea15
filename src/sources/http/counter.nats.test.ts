// `arrivals: {source: http, url: .../jsz?streams=true, path: ..., counter: true}` against a real NATS server's
// HTTP monitoring: a stream's `state.last_seq` out of /jsz (the JSON arrays as NATS returns them), turned
// into messages/s by the agent's read path (config -> wiring -> read). On a throwaway nats-server holding only
// this test's stream: /jsz lists every stream of an account, in an order that changes between requests (a Go
// map), so `stream_detail/0` is one stream only where there is one; on the shared server other tests' streams
// would come and go in that array.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { parseConfig } from '../../agent/config-loader.js';
import { createSource } from '../../agent/wiring.js';
import type { ServiceConfig } from '../../config/schema.js';
import { silentLogger } from '../../log/logger.js';
import { needService } from '../../testing/services.js';
import { checkRateAtPace, readArrivals as read } from '../testing/counter-pace.js';
import { freePort, ThrowawayServer } from '../testing/servers.js';
import type { Source } from '../types.js';
import { HttpJsonSource, httpSchema } from './http.js';

const natsServerCheck = {
  what: 'the nats-server binary (to start a throwaway server with JetStream and HTTP monitoring)',
  howToStart: 'apt-get install nats-server (../shared/tools/queue-servers up installs it)',
  probe: async () => existsSync('/usr/sbin/nats-server'),
};

const STREAM = 'ORDERS';
const SUBJECT = 'orders.new';
const LAST_SEQ = '/account_details/0/stream_detail/0/state/last_seq';

/** The service of a config whose arrivals read `path` out of the server's /jsz, parsed as the agent parses it. */
function serviceFor(monitorPort: number, path: string): ServiceConfig {
  const arrivals = { source: 'http', url: `http://127.0.0.1:${monitorPort}/jsz?streams=true`, path, counter: true };
  const config = parseConfig(
    { capacity: 4, services: [{ name: 'orders', metric: { source: 'push' }, target: { sla: { queueLength: 500 } }, arrivals }] },
    {},
  );
  return config.services[0]!;
}

/** A source built the way the agent builds it. */
function arrivalsFor(monitorPort: number): Source {
  const source = createSource(serviceFor(monitorPort, LAST_SEQ), { log: silentLogger(), nowMs: Date.now }, 'arrivals');
  assert.ok(source);
  return source;
}

describe('arrivals from a NATS stream counter read over HTTP (/jsz last_seq) on a real server', { timeout: 120_000 }, () => {
  let server: ThrowawayServer | undefined;
  let storeDir = '';
  let monitorPort = 0;
  let connection: NatsConnection;
  let manager: JetStreamManager;
  before(async () => {
    if (!(await needService(undefined, natsServerCheck))) return;
    const [clientPort, port] = [await freePort(), await freePort()];
    monitorPort = port;
    storeDir = await mkdtemp(join(tmpdir(), 'microscale-nats-jsz-'));
    const args = ['-a', '127.0.0.1', '-p', String(clientPort), '-m', String(monitorPort), '-js', '-sd', storeDir];
    server = new ThrowawayServer('nats-server', args, async () => (await fetch(`http://127.0.0.1:${monitorPort}/healthz`)).ok);
    await server.start(10_000);
    connection = await connect({ servers: `127.0.0.1:${clientPort}` });
    manager = await connection.jetstreamManager();
    await manager.streams.add({ name: STREAM, subjects: [SUBJECT] });
  });
  after(async () => {
    await connection?.close();
    await server?.stop();
    if (storeDir) await rm(storeDir, { recursive: true, force: true });
  });

  it('reads messages/s while a producer publishes at a known pace, 0 after, "not yet" first', async (t) => {
    if (!(await needService(t, natsServerCheck))) return;
    const jsz = (await (await fetch(`http://127.0.0.1:${monitorPort}/jsz?streams=true`)).json()) as {
      account_details: { stream_detail: { name: string }[] }[];
    };
    assert.deepEqual(
      jsz.account_details.flatMap((account) => account.stream_detail.map((stream) => stream.name)),
      [STREAM],
      'stream_detail/0 is this stream',
    );
    const client = connection.jetstream();
    const source = arrivalsFor(monitorPort);
    try {
      const first = await read(source);
      assert.ok(!first.ok && first.notYet, `the first read has no rate yet: ${JSON.stringify(first)}`);
      await checkRateAtPace(source, (from) =>
        Promise.all(Array.from({ length: 10 }, (_, i) => client.publish(SUBJECT, `job-${from + i}`))),
      );
    } finally {
      await source.close();
    }
  });

  it('takes last_seq by JSON pointer and dotted path alike, starts over when the stream is made again, never reads 0 once it is gone', async (t) => {
    if (!(await needService(t, natsServerCheck))) return;
    const client = connection.jetstream();
    for (let i = 0; i < 7; i++) await client.publish(SUBJECT, `job-${i}`);
    const expected = (await manager.streams.info(STREAM)).state.last_seq;
    for (const path of [LAST_SEQ, 'account_details[0].stream_detail[0].state.last_seq']) {
      const url = `http://127.0.0.1:${monitorPort}/jsz?streams=true`;
      const raw = new HttpJsonSource(httpSchema.parse({ source: 'http', url, path }), { service: 'orders' });
      assert.equal(await raw.read(AbortSignal.timeout(2000)), expected, path);
      await raw.close();
    }

    const source = arrivalsFor(monitorPort);
    try {
      assert.ok((await read(source)).ok === false);
      // Deleted and made again: last_seq restarts at 2, below the 7+ read. No negative rate: "not yet" again.
      await manager.streams.delete(STREAM);
      await manager.streams.add({ name: STREAM, subjects: [SUBJECT] });
      for (let i = 0; i < 2; i++) await client.publish(SUBJECT, `job-${i}`);
      await sleep(600);
      const reset = await read(source);
      assert.ok(!reset.ok && reset.notYet, JSON.stringify(reset));
      assert.match(reset.message, /went back \(to 2\)/);

      // Gone: /jsz leaves stream_detail out; a failed read naming the path (an error the tick reports), never 0.
      await manager.streams.delete(STREAM);
      await sleep(600);
      const gone = await read(source);
      assert.ok(!gone.ok && !gone.notYet, JSON.stringify(gone));
      assert.match(gone.message, /nothing at \/account_details\/0\/stream_detail/);
    } finally {
      await source.close();
      await manager.streams.add({ name: STREAM, subjects: [SUBJECT] }).catch(() => undefined);
    }
  });
});
