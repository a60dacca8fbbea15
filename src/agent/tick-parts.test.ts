import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlaReason } from '../core/controllers/sla.js';
import { step } from '../core/step.js';
import type { ActualState } from '../core/types.js';
import { parseConfig } from './config-loader.js';
import { Incidents } from '../log/incidents.js';
import type { Logger } from '../log/logger.js';
import { reportReads, type Reading } from './read-metrics.js';
import { buildInputs, describeTick, withActual, type ServiceMemory } from './tick-parts.js';

const config = parseConfig({
  capacity: 20,
  interval: '1h',
  services: [
    {
      name: 'orders',
      priority: 1,
      max: 10,
      metric: { source: 'push' },
      arrivals: { source: 'push' },
      target: { sla: { queueLength: 100 } },
      controller: { ratePerContainer: 10 },
    },
    { name: 'emails', priority: 2, metric: { source: 'push' }, target: { queueLength: 5 } },
    { name: 'batch', priority: 3, target: 'remainder' },
  ],
});
const ok = (value: number): Reading => ({ ok: true, value });
const idle: ActualState = { running: 2, starting: 0, stopping: 0 };

/** One tick's record: `queue` waiting for orders (arrivals 40/s), 12 for emails. */
function tick(queue: number, memory: ReadonlyMap<string, ServiceMemory> = new Map(), atMs = 1000, ordersRunning = 2) {
  const readings = {
    metrics: new Map([
      ['orders', ok(queue)],
      ['emails', ok(12)],
    ]),
    arrivals: new Map([['orders', ok(40)]]),
  };
  const actual = new Map(config.services.map((s) => [s.name, s.name === 'orders' ? { ...idle, running: ordersRunning } : idle]));
  const { inputs } = buildInputs(config, readings, actual, memory, atMs);
  const result = step(inputs, config.capacity as number);
  return { result, described: describeTick(result, inputs, atMs, true, false) };
}

/** Counts the sla sentences formatted while `run` runs. */
function formatsDuring(run: () => void): number {
  const format = Object.getOwnPropertyDescriptor(SlaReason.prototype, 'format')?.value as (this: SlaReason) => string;
  let count = 0;
  SlaReason.prototype.format = function (this: SlaReason) {
    count++;
    return format.call(this);
  };
  try {
    run();
  } finally {
    SlaReason.prototype.format = format;
  }
  return count;
}

describe('the tick record: a service line reason', () => {
  it('says for an sla target what the controller decided, with the arbiter, in JSON, spreads and reads alike', () => {
    const { result, described } = tick(300);
    const line = described.services.find((s) => s.name === 'orders');
    assert.ok(line);
    const outcome = result.outcomes.get('orders');
    const entry = result.plan.entries.find((e) => e.name === 'orders');
    const expected = outcome?.reason.endsWith(entry?.reason ?? '') ? outcome.reason : `${outcome?.reason}; ${entry?.reason}`;
    assert.match(
      line.reason,
      /^arrivals 40\/s \(±0\), 10\/s each, start 2s: 4 needed, raising to \d+ for the SLA \(queue ≤ 100, queue 300\)/,
    );
    assert.equal(line.reason, expected);
    assert.equal(JSON.parse(JSON.stringify(line)).reason, expected);
    assert.equal({ ...line }.reason, expected);
    assert.deepEqual(Object.keys(line).at(-1), 'reason');
    // The decision says the same.
    const decision = described.decisions.find((d) => d.service === 'orders');
    assert.equal(decision?.reason, `orders +${(entry?.replicas ?? 0) - 2}: ${expected}`);
  });

  it('formats an sla sentence only when the line is read, and once', () => {
    let described: ReturnType<typeof tick>['described'] | undefined;
    const first = tick(300);
    const planned = first.result.plan.entries.find((e) => e.name === 'orders')?.replicas;
    // The second tick: orders runs what was planned and its queue is down to 50: it keeps its count, no decision.
    assert.equal(
      formatsDuring(() => (described = tick(50, first.described.memory, 1500, planned).described)),
      0,
    );
    const line = described?.services.find((s) => s.name === 'orders');
    assert.ok(line && described?.decisions.every((d) => d.service !== 'orders'));
    assert.equal(
      formatsDuring(() => [line.reason, JSON.stringify(line), line.reason]),
      1,
    );
    assert.match(line.reason, /for the SLA \(queue ≤ 100, queue 50\)/);
  });

  it('keeps an unread reason unread, and right, when the line is updated with the state after the apply', () => {
    const line = tick(300).described.services.find((s) => s.name === 'orders');
    assert.ok(line);
    const after = { running: 2, starting: 3, stopping: 0, prepared: 1 };
    let updated: typeof line | undefined;
    assert.equal(
      formatsDuring(() => (updated = withActual(line, after))),
      0,
    );
    assert.ok(updated && updated !== line);
    assert.deepEqual(
      { running: updated.running, starting: updated.starting, prepared: updated.prepared },
      { running: 2, starting: 3, prepared: 1 },
    );
    assert.equal(updated.reason, line.reason);
    assert.equal(JSON.parse(JSON.stringify(updated)).reason, line.reason);
    // Lines of other targets carry their reason as text from the start.
    const emails = tick(300).described.services.find((s) => s.name === 'emails');
    assert.equal(Object.getOwnPropertyDescriptor(emails, 'reason')?.value, emails?.reason);
    assert.match(emails?.reason ?? '', /queue/);
  });
});

describe('arrivals from a counter: the first read has no rate yet', () => {
  const notYet: Reading = { ok: false, message: 'arrivals for service "orders": first read of the counter (7)', notYet: true };
  const failed: Reading = { ok: false, message: 'redis source for service "orders": unreachable: connection refused' };
  const inputsWith = (arrivals: Reading) =>
    buildInputs(
      config,
      { metrics: new Map([['orders', ok(30)]]), arrivals: new Map([['orders', arrivals]]) },
      new Map([['orders', idle]]),
      new Map(),
      1000,
    );

  it('decides from the queue alone, as after a failed read, but is no arrivals error (not logged, not counted)', () => {
    const waiting = inputsWith(notYet);
    assert.deepEqual(waiting.arrivalErrors, [], 'not counted in microscale_arrivals_errors_total');
    assert.deepEqual(waiting.inputs[0]?.observation, { value: 30, atMs: 1000 }, 'no arrival rate, not 0');
    const broken = inputsWith(failed);
    assert.deepEqual(broken.arrivalErrors, [{ service: 'orders', message: failed.message }]);
    assert.deepEqual(broken.inputs[0]?.observation, { value: 30, atMs: 1000 });

    const lines: string[] = [];
    const record = (_fields: unknown, message: string) => void lines.push(message);
    const log = { debug: record, info: record, warn: record, error: record, child: () => log } as unknown as Logger;
    const incidents = new Incidents(log);
    reportReads(incidents, 'arrivals', new Map([['orders', notYet]]), 1000);
    assert.deepEqual(lines, [], 'a first read is not an arrivals-error line');
    reportReads(incidents, 'arrivals', new Map([['orders', failed]]), 2000);
    assert.equal(lines.length, 1, 'a failed read is');
    assert.match(lines[0]!, /connection refused; deciding from the queue alone/);
  });
});
