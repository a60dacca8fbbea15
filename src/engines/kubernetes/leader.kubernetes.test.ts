// Lease-based leader election on the real API server: exactly one of two electors leads; a leader
// that cannot renew stops acting before another may take over; a stopping leader hands over at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../log/logger.js';
import { eventually } from '../../testing/services.js';
import { clientsFor } from './client.js';
import { LeaseElector } from './leader.js';
import { adminClients, ApiProxy, needKubernetes, testNamespace } from './testing/cluster.js';

const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };

describe('lease leader election', () => {
  const clients = adminClients();
  let ns: { name: string; remove: () => Promise<void> } | undefined;
  const electors: LeaseElector[] = [];

  function elector(identity: string, name: string, coordination = clients.coordination): LeaseElector {
    const e = new LeaseElector({ coordination, namespace: ns!.name, name, identity, ...timing, log: silentLogger() });
    electors.push(e);
    e.start();
    return e;
  }

  before(async () => {
    if (await needKubernetes(undefined)) ns = await testNamespace(clients, 'ms-lease');
  });
  after(async () => {
    await Promise.all(electors.map((e) => e.stop()));
    await ns?.remove();
  });

  it('lets exactly one of two replicas lead, and records it in the Lease', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    const a = elector('replica-a', 'one-leader');
    const b = elector('replica-b', 'one-leader');
    assert.ok(await eventually(() => a.isLeader() || b.isLeader(), 5000), 'nobody became the leader');
    for (let i = 0; i < 40; i++) {
      assert.ok(!(a.isLeader() && b.isLeader()), 'both replicas lead at once');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const lease = await clients.coordination.readNamespacedLease({ name: 'one-leader', namespace: ns.name });
    assert.equal(lease.spec?.holderIdentity, a.isLeader() ? 'replica-a' : 'replica-b');
  });

  it('stops a leader that cannot renew before the other takes over, and the other takes over', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    const proxy = await new ApiProxy().start();
    try {
      const cut = elector('cut-off', 'renewal', clientsFor(proxy.kubeConfig(ns.name), 1000).coordination);
      assert.ok(await eventually(() => cut.isLeader(), 5000), 'the first replica did not lead');
      const other = elector('survivor', 'renewal');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(other.isLeader(), false);
      const cutAt = Date.now();
      await proxy.cut();
      let stoppedAt = 0;
      let tookOverAt = 0;
      await eventually(
        () => {
          if (!stoppedAt && !cut.isLeader()) stoppedAt = Date.now();
          if (!tookOverAt && other.isLeader()) tookOverAt = Date.now();
          assert.ok(!(cut.isLeader() && other.isLeader()), 'two leaders at once');
          return tookOverAt > 0;
        },
        10_000,
        20,
      );
      assert.ok(
        stoppedAt > 0 && stoppedAt - cutAt <= timing.renewDeadlineMs + 50,
        `the cut-off leader acted for ${stoppedAt - cutAt}ms; at most renewDeadline (${timing.renewDeadlineMs}ms)`,
      );
      assert.ok(tookOverAt > stoppedAt, 'the survivor took over before the old leader stopped acting');
      assert.ok(tookOverAt - cutAt <= timing.leaseDurationMs + 3 * timing.retryPeriodMs + 500, `takeover took ${tookOverAt - cutAt}ms`);
      console.error(
        `# renewal lost: old leader stopped after ${stoppedAt - cutAt}ms, survivor took over after ${tookOverAt - cutAt}ms (leaseDuration ${timing.leaseDurationMs}ms)`,
      );
    } finally {
      await proxy.cut();
    }
  });

  it('hands the Lease over at once when the leader stops cleanly', async (t) => {
    if (!(await needKubernetes(t))) return;
    assert.ok(ns, 'the namespace from before() is missing');
    const first = elector('first', 'handover');
    assert.ok(await eventually(() => first.isLeader(), 5000));
    const second = elector('second', 'handover');
    await new Promise((resolve) => setTimeout(resolve, 400));
    const stoppedAt = Date.now();
    await first.stop();
    assert.ok(await eventually(() => second.isLeader(), timing.leaseDurationMs), 'the second replica did not take over');
    assert.ok(Date.now() - stoppedAt < timing.leaseDurationMs, 'waited for the Lease to expire instead of taking the released one');
  });
});
