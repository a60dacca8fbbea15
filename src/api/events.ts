// GET /api/events: a Server-Sent Events stream of ticks (`event: tick`, id = tick seq) and decisions
// (`event: decision`, with the reason). A reconnecting client sends Last-Event-ID and gets the ticks it
// missed from the ring. Comment lines keep proxies from closing an idle stream; a client that stops
// reading is dropped once too many writes are queued, so one slow tab cannot grow the agent's memory.
import type { Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Agent } from '../agent/agent.js';
import type { TickRecord } from '../agent/records.js';
import type { Decision } from '../core/types.js';
import { badRequest, shownValue } from './input.js';
import { ticksSince } from './state.js';

export interface EventsOptions {
  /** Time between heartbeat comments (default 15 s). */
  readonly heartbeatMs?: number;
  /** Writes queued for one client before it is dropped (default 256). */
  readonly maxQueued?: number;
}

/** Serialises writes to one stream, in order; aborts the stream when the client falls too far behind. */
function writer(stream: SSEStreamingApi, maxQueued: number) {
  let queued = 0;
  let chain: Promise<unknown> = Promise.resolve();
  return (write: () => Promise<unknown>): void => {
    if (stream.aborted || stream.closed) return;
    if (queued >= maxQueued) {
      stream.abort();
      return;
    }
    queued++;
    chain = chain
      .then(write)
      .catch(() => stream.abort())
      .finally(() => queued--);
  };
}

/**
 * One listener on the agent for all streams (not one per client, which past 10 clients trips Node's
 * MaxListenersExceededWarning and grows the agent's listener list with every open tab).
 */
function fanOut(agent: Agent) {
  const clients = new Set<{ tick(tick: TickRecord): void; decision(decision: Decision): void }>();
  const onTick = (tick: TickRecord): void => clients.forEach((client) => client.tick(tick));
  const onDecision = (decision: Decision): void => clients.forEach((client) => client.decision(decision));
  return (client: { tick(tick: TickRecord): void; decision(decision: Decision): void }): (() => void) => {
    if (clients.size === 0) {
      agent.on('tick', onTick);
      agent.on('decision', onDecision);
    }
    clients.add(client);
    return () => {
      clients.delete(client);
      if (clients.size > 0) return;
      agent.off('tick', onTick);
      agent.off('decision', onDecision);
    };
  };
}

export function registerEvents(app: Hono, agent: Agent, options: EventsOptions = {}): void {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxQueued = options.maxQueued ?? 256;
  const subscribe = fanOut(agent);
  app.get('/api/events', (c) => {
    const header = c.req.header('last-event-id');
    const since = c.req.query('since');
    const lastId = Number(header ?? since);
    if (header === undefined && since !== undefined && (since.trim() === '' || !Number.isFinite(lastId) || lastId < 0)) {
      const problem =
        `since: expected the seq of the last tick seen (a number >= 0), got ${shownValue(since)}; ` +
        'send e.g. since=42 (replays the ticks after seq 42), or leave it out to follow from now';
      return badRequest(c, [problem]);
    }
    return streamSSE(c, async (stream) => {
      const send = writer(stream, maxQueued);
      const sendTick = (tick: TickRecord): void =>
        send(() => stream.writeSSE({ event: 'tick', id: String(tick.seq), data: JSON.stringify(tick) }));
      const sendDecision = (decision: Decision): void => send(() => stream.writeSSE({ event: 'decision', data: JSON.stringify(decision) }));
      send(() => stream.write(': microscale events\nretry: 2000\n\n'));
      if (Number.isFinite(lastId) && lastId > 0) for (const tick of ticksSince(agent, lastId, agent.ticks.size)) sendTick(tick);
      const unsubscribe = subscribe({ tick: sendTick, decision: sendDecision });
      const heartbeat = setInterval(() => send(() => stream.write(`: heartbeat ${Date.now()}\n\n`)), heartbeatMs);
      await new Promise<void>((resolve) => {
        if (stream.aborted) resolve();
        stream.onAbort(resolve);
      });
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}
