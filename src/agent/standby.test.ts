// The agent's leader-election hook: a standby replica (canAct false) decides but changes nothing, and
// its ticks and decisions say so; once it may act, it applies on the next tick.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './config-loader.js';
import { SimEngine } from '../engines/sim/sim.js';
import type { Engine, ObserveOptions } from '../engines/types.js';
import { silentLogger } from '../log/logger.js';
import { Agent } from './agent.js';

describe('agent standby (leader election)', () => {
  it('decides but does not act while canAct is false, then acts once it is true', async (t) => {
    const config = parseConfig({ capacity: 4, interval: '1h', services: [{ name: 'fill', target: 'remainder' }] });
    const engine = new SimEngine({ kind: 'sim', startLatency: 0, stopLatency: 0 }, [{ name: 'fill', stopGracePeriodMs: 0, options: {} }], {
      nowMs: Date.now,
    });
    let leader = false;
    const agent = new Agent(config, { engine, log: silentLogger(), canAct: () => leader });
    t.after(() => agent.stop());
    await agent.tickNow();
    const standbyTick = agent.ticks.toArray().at(-1);
    assert.equal(standbyTick?.standby, true);
    assert.equal(standbyTick?.decisions[0]?.dryRun, true, 'a standby decision must be marked as not applied');
    assert.equal((await engine.observe()).get('fill')?.starting, 0, 'a standby changed the engine');

    leader = true;
    await agent.tickNow();
    assert.equal(agent.ticks.toArray().at(-1)?.standby, false);
    const state = (await engine.observe()).get('fill');
    assert.equal((state?.running ?? 0) + (state?.starting ?? 0), 4, 'the leader did not apply the plan');
  });

  it('tells the engine it may not act when observing as a standby, in a dry run or paused, so it tidies nothing up', async (t) => {
    const config = parseConfig({ engine: { kind: 'sim' }, capacity: 4, services: [{ name: 'fill', priority: 1, target: 'remainder' }] });
    const engine = new SimEngine({ kind: 'sim', startLatency: 0, stopLatency: 0 }, [{ name: 'fill', stopGracePeriodMs: 0, options: {} }], {
      nowMs: Date.now,
    });
    const seen: (boolean | undefined)[] = [];
    const recording: Engine = {
      observe: (options?: ObserveOptions) => {
        seen.push(options?.act);
        return engine.observe();
      },
      apply: (targets) => engine.apply(targets),
      close: () => engine.close(),
    };
    let leader = false;
    const standby = new Agent(config, { engine: recording, log: silentLogger(), canAct: () => leader });
    const dryRun = new Agent(config, { engine: recording, log: silentLogger(), dryRun: true });
    t.after(() => Promise.all([standby.stop(), dryRun.stop()]));
    await standby.tickNow();
    await dryRun.tickNow();
    assert.deepEqual(seen, [false, false], 'a standby and a dry run observe with act: false');
    leader = true;
    standby.pause();
    await standby.tickNow();
    assert.equal(seen[2], false, 'a paused agent observes with act: false');
    standby.resume();
    await standby.tickNow();
    assert.equal(seen[3], true, 'the leader, not paused, observes with act: true');
  });
});
