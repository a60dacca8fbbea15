// The shared engine conformance suite: every engine kind runs it against its real orchestrator (or,
// where none can run here, a fake that follows the documented API). Call it from <kind>.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ActualState } from '../../core/types.js';
import type { Engine } from '../types.js';
import { eventually } from '../../testing/services.js';

export interface ConformanceSubject {
  readonly engine: Engine;
  /** Two services configured on the engine; both start at zero containers. */
  readonly services: readonly [string, string];
  readonly cleanup: () => Promise<void>;
}

export interface ConformanceOptions {
  /** How long a change may take to show in observe() (default 20 s). */
  readonly settleMs?: number;
  /**
   * Set for engines that read running and stopping counts in two API calls (ECS with countStoppingTasks):
   * when the orchestrator acts between them, a task can be counted as stopping twice for a tick. That
   * errs on the safe side (the pool is never overcommitted), so only the live count is checked then.
   */
  readonly mayCountStoppingTwice?: boolean;
  /** Return undefined to skip (the subject's own check has already said why, loudly). */
  readonly setup: () => Promise<ConformanceSubject | undefined>;
}

const live = (s: ActualState | undefined): number => (s ? s.running + s.starting : 0);

export function engineConformance(name: string, options: ConformanceOptions): void {
  describe(`${name} engine conformance`, () => {
    let subject: ConformanceSubject | undefined;
    const settleMs = options.settleMs ?? 20_000;

    before(async () => {
      subject = await options.setup();
    });
    after(async () => {
      await subject?.cleanup();
    });

    async function settled(targets: Record<string, number>): Promise<boolean> {
      return eventually(
        async () => {
          const state = await subject!.engine.observe();
          return Object.entries(targets).every(([service, n]) => state.get(service)?.running === n && state.get(service)?.stopping === 0);
        },
        settleMs,
        100,
      );
    }

    it('observes every configured service, starting from zero', async (t) => {
      if (!subject) return t.skip('no subject');
      const state = await subject.engine.observe();
      for (const service of subject.services) {
        assert.ok(state.has(service), `observe() is missing ${service}`);
        assert.equal(live(state.get(service)), 0);
      }
    });

    it('scales up to the target and reports the containers running', async (t) => {
      if (!subject) return t.skip('no subject');
      const [a, b] = subject.services;
      await subject.engine.apply([
        { name: a, replicas: 3 },
        { name: b, replicas: 1 },
      ]);
      assert.ok(await settled({ [a]: 3, [b]: 1 }), 'did not reach 3 and 1 running');
    });

    it('is idempotent: the same target again starts nothing more', async (t) => {
      if (!subject) return t.skip('no subject');
      const [a, b] = subject.services;
      await subject.engine.apply([
        { name: a, replicas: 3 },
        { name: b, replicas: 1 },
      ]);
      await subject.engine.apply([
        { name: a, replicas: 3 },
        { name: b, replicas: 1 },
      ]);
      const state = await subject.engine.observe();
      assert.equal(live(state.get(a)), 3);
      assert.equal(live(state.get(b)), 1);
    });

    it('scales down, counting stopping containers until they are gone', async (t) => {
      if (!subject) return t.skip('no subject');
      const [a, b] = subject.services;
      await subject.engine.apply([
        { name: a, replicas: 1 },
        { name: b, replicas: 1 },
      ]);
      const right = await subject.engine.observe();
      assert.ok(live(right.get(a)) <= 1, 'stopped containers must not count as live');
      if (!options.mayCountStoppingTwice)
        assert.equal(live(right.get(a)) + (right.get(a)?.stopping ?? 0) <= 3, true, 'a container may not appear twice');
      assert.ok(await settled({ [a]: 1, [b]: 1 }), 'did not settle at 1 and 1');
    });

    it('touches only the service it is told about', async (t) => {
      if (!subject) return t.skip('no subject');
      const [a, b] = subject.services;
      await subject.engine.apply([{ name: a, replicas: 2 }]);
      assert.ok(await settled({ [a]: 2, [b]: 1 }), 'the other service changed, or the target was not reached');
    });

    it('scales to zero when told to', async (t) => {
      if (!subject) return t.skip('no subject');
      const [a, b] = subject.services;
      await subject.engine.apply([
        { name: a, replicas: 0 },
        { name: b, replicas: 0 },
      ]);
      assert.ok(await settled({ [a]: 0, [b]: 0 }), 'did not reach zero');
    });
  });
}
