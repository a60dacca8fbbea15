import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import type { TickRecord } from '../agent/records.js';
import { silentLogger } from '../log/logger.js';
import { eventually } from '../testing/services.js';
import { startApiServer } from './server.js';
import { testAgent } from './testing/agent.js';

describe('GET /api/events with a client that stops reading', () => {
  it('drops it once too many writes are queued, instead of buffering without end', async () => {
    const { agent, tickAt, startMs } = testAgent();
    const server = await startApiServer({
      agent,
      listen: '127.0.0.1:0',
      log: silentLogger(),
      events: { heartbeatMs: 60_000, maxQueued: 8 },
    });
    // Only event streams listen for decisions (the readiness check listens for ticks, then stops).
    const streams = () => agent.listenerCount('decision');
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    try {
      assert.ok(await eventually(() => streams() === 1, 3000));
      socket.pause(); // a tab that hangs: connected, never reads
      await tickAt(startMs);
      const tick = agent.ticks.toArray().at(-1) as TickRecord;
      // Big ticks fill the socket's buffers quickly, so writes back up into the queue.
      const big: TickRecord = { ...tick, engineError: 'x'.repeat(200_000) };
      for (let i = 0; i < 400 && streams() === 1; i++) {
        agent.emit('tick', big);
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(await eventually(() => streams() === 0, 5000), 'the stalled client was not dropped');
    } finally {
      socket.destroy();
      await server.close();
      await agent.stop();
    }
  });
});
