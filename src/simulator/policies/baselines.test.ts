// Upstream expected values, cited per case: knative/serving pkg/autoscaler/scaling/autoscaler_test.go
// for the KPA, kedacore/keda pkg/scaling/executor/scale_scaledobjects_test.go for KEDA, and the
// kubernetes HPA tests in hpa-rule.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ActualState } from '../../core/types.js';
import type { ServiceView } from '../policy.js';
import { parseScenario } from '../scenario.js';
import { parseTrace } from '../trace.js';
import { hpaPolicy } from './hpa.js';
import { kedaCheck, kedaPolicy, newKedaState } from './keda.js';
import { kpaDecide, kpaScale, newKpaPanic, newKpaState, recordConcurrency, type KpaSpec } from './kpa.js';

/** The DeciderSpec of autoscaler_test.go's newTestAutoscaler (rates 10, threshold 2, 60 s window). */
const testSpec = (targetValue: number, overrides: Partial<KpaSpec> = {}): KpaSpec => ({
  targetValue,
  panicThreshold: 2,
  maxScaleUpRate: 10,
  maxScaleDownRate: 10,
  stableWindowS: 60,
  ...overrides,
});

describe('KPA decision (autoscaler.go Scale)', () => {
  it('in panic takes the larger of the stable and panic counts (TestAutoscalerScale: AutoscalerPanicStable{Larger,Less}ThanPanic)', () => {
    const larger = { panicSinceS: 95, maxPanicPods: 5 };
    assert.equal(kpaScale(larger, testSpec(1), 50, 30, 5, 100), 50, 'stable 50 > panic 30');
    const less = { panicSinceS: 95, maxPanicPods: 5 };
    assert.equal(kpaScale(less, testSpec(1), 20, 30, 5, 100), 30, 'panic 30 > stable 20');
  });
  it('leaves panic only strictly after the stable window (TestAutoscalerPanicThenUnPanicScaleDown)', () => {
    const panic = newKpaPanic(1, 0);
    assert.equal(kpaScale(panic, testSpec(10), 100, 100, 1, 0), 10);
    assert.equal(kpaScale(panic, testSpec(10), 100, 1000, 10, 1), 100, 'panics at 1000');
    assert.equal(kpaScale(panic, testSpec(10), 1, 1, 10, 31), 100, 'traffic gone, still in panic: no scale-down');
    assert.equal(kpaScale(panic, testSpec(10), 1, 1, 10, 61), 100, 'exactly one stable window later: still in panic');
    assert.equal(kpaScale(panic, testSpec(10), 1, 1, 10, 62), 1, 'after the stable window: down to the stable count');
    assert.equal(panic.panicSinceS, null);
    assert.equal(panic.maxPanicPods, 0);
  });
  it('ends panic after a slow increase without extending it (TestAutoscalerUnpanicAfterSlowIncrease)', () => {
    const panic = newKpaPanic(1, 0);
    assert.equal(kpaScale(panic, testSpec(1), 11, 25, 10, 0), 25);
    assert.equal(panic.panicSinceS, 0);
    assert.equal(kpaScale(panic, testSpec(1), 30, 41, 40, 30), 41);
    assert.equal(panic.panicSinceS, 0, 'panic time must not move');
    assert.equal(kpaScale(panic, testSpec(1), 50, 56, 55, 62), 50, 'no longer in panic');
    assert.equal(panic.panicSinceS, null);
  });
  it('checks the panic threshold on the unclamped panic count (TestAutoscalerScale: AutoscalerStableModeIncreaseWithSmallScaleUpRate)', () => {
    // Target 1, 2 ready pods, max scale-up rate 1.1: the panic window needs ceil(3.1) = 4 pods, 4 / 2
    // ≥ 200 %, so it panics, though the count is clamped to ceil(1.1 × 2) = 3 (3 / 2 would not).
    const panic = newKpaPanic(1, 0);
    assert.equal(kpaScale(panic, testSpec(1, { maxScaleUpRate: 1.1 }), 3, 3.1, 2, 10), 3);
    assert.equal(panic.panicSinceS, 10);
  });
  it('starts in panic over more than one ready pod (TestStartInPanicMode)', () => {
    for (const ready of [0, 1]) assert.deepEqual(newKpaPanic(ready, 0), { panicSinceS: null, maxPanicPods: ready });
    assert.deepEqual(newKpaPanic(2, 0), { panicSinceS: 0, maxPanicPods: 2 });
  });
});

describe('KPA on recorded concurrency', () => {
  it('scales on the 60 s average in stable mode', () => {
    const state = newKpaState(2, 10); // effective target 7 per pod (70 %)
    for (let t = 0; t <= 60; t += 0.5) recordConcurrency(state, t, 14);
    assert.equal(kpaDecide(state, 60, 2), 2);
  });
  it('panics when the 6 s window needs twice the ready pods, never scales down in panic, and leaves it after the stable window', () => {
    const state = newKpaState(2, 10);
    for (let t = 0; t < 54; t += 0.5) recordConcurrency(state, t, 14);
    for (let t = 54; t <= 60; t += 0.5) recordConcurrency(state, t, 70); // burst: 70 / 7 = 10 pods
    assert.equal(kpaDecide(state, 60, 2), 10, 'panic mode follows the 6 s window at once');
    assert.equal(state.panic.panicSinceS, 60);
    for (let t = 60.5; t <= 80; t += 0.5) recordConcurrency(state, t, 7); // burst over
    assert.equal(kpaDecide(state, 80, 10), 10, 'held: no scale-down in panic');
    for (let t = 80.5; t <= 122; t += 0.5) recordConcurrency(state, t, 7);
    assert.equal(kpaDecide(state, 120, 10), 10, 'still in panic exactly one stable window after the burst');
    const after = kpaDecide(state, 122, 10);
    assert.equal(state.panic.panicSinceS, null, 'left panic after the stable window');
    assert.ok(after < 10, `still at ${after} after leaving panic`);
  });
  it('does not panic below the 200 % threshold', () => {
    const state = newKpaState(4, 10);
    for (let t = 0; t <= 60; t += 0.5) recordConcurrency(state, t, t < 54 ? 28 : 49); // panic window needs 7 < 2 × 4
    kpaDecide(state, 60, 4);
    assert.equal(state.panic.panicSinceS, null);
  });
});

describe('KEDA scale executor (scale_scaledobjects.go RequestScale)', () => {
  it('scales an inactive target with no LastActiveTime to minReplicaCount 0 at once (TestScaleToMinReplicasWhenNotActive)', () => {
    const state = newKedaState(10, 0, 100, 1);
    assert.equal(kedaCheck(state, 0, false), 0);
  });
  it('scales from zero to 1 when active and records LastActiveTime (TestScaleFromMinReplicasWhenActive)', () => {
    const state = newKedaState(0, 0, 100, 1);
    assert.equal(kedaCheck(state, 30, true), 1);
    assert.equal(state.lastActiveS, 30);
  });
  it('raises an inactive target to minReplicaCount (TestScaleToMinReplicasFromLowerInitialReplicaCount)', () => {
    assert.equal(kedaCheck(newKedaState(1, 5, 100, 1), 0, false), 5);
  });
  it('scales to zero only when LastActiveTime + cooldownPeriod is strictly before now', () => {
    const state = newKedaState(0, 0, 100, 1);
    kedaCheck(state, 30, true);
    assert.equal(kedaCheck(state, 330, false), 1, 'exactly 300 s after the last active check: still cooling down');
    assert.equal(kedaCheck(state, 331, false), 0);
  });
  it('leaves scaling down above a minReplicaCount > 0 to the HPA', () => {
    const state = newKedaState(6, 2, 100, 1);
    kedaCheck(state, 0, true);
    assert.equal(kedaCheck(state, 600, false), 6);
  });
});

describe('baseline policies', () => {
  const scenario = (min: number) =>
    parseScenario({
      capacity: 10,
      services: [
        { name: 'orders', target: { queueLength: 50 }, min, max: 10, simulation: { ratePerContainer: 10, sla: { queueLength: 200 } } },
      ],
    });
  const trace = parseTrace('t_s,orders\n0,10\n');
  const view = (s: ReturnType<typeof scenario>, queue: number, actual: ActualState, busyFraction = 0): ServiceView[] => [
    { service: s.services[0]!, actual, queue, arrivalRate: 0, measuredArrivalRate: 0, busyFraction },
  ];

  it('keda: an idle target drops to 0 at the first poll, activates only at a poll, and cools down for more than 300 s', () => {
    const s = scenario(0);
    const keda = kedaPolicy({ scenario: s, trace });
    const two = { running: 2, starting: 0, stopping: 0 };
    const zero = { running: 0, starting: 0, stopping: 0 };
    assert.equal(keda.decide(0, 0.5, view(s, 0, two)).get('orders'), 0, 'never active, so no LastActiveTime: straight to 0');
    assert.equal(keda.decide(10, 0.5, view(s, 500, zero)).get('orders'), 0, 'messages arrive between polls: nothing until the next poll');
    // The poll activates (0 → 1) and the HPA sync of the same moment takes it on from there: ceil(500 / 50)
    // wanted, max(2 × 1, 4) = 4 allowed.
    assert.equal(keda.decide(30, 0.5, view(s, 500, zero)).get('orders'), 4, 'the poll at 30 s activates');
    const four = { running: 4, starting: 0, stopping: 0 };
    let last = 4;
    for (let t = 30.5; t <= 330; t += 0.5) last = keda.decide(t, 0.5, view(s, 0, four)).get('orders') ?? -1;
    assert.ok(last >= 1, 'scaled to zero before the cooldown was over');
    assert.equal(
      keda.decide(360, 0.5, view(s, 0, four)).get('orders'),
      0,
      'the first poll more than 300 s after the last active one (30 s): → 0',
    );
  });
  it('hpa: holds the count it finds through the first stabilisation window', () => {
    const s = scenario(1);
    const hpa = hpaPolicy({ scenario: s, trace });
    const eight = { running: 8, starting: 0, stopping: 0 };
    let replicas = 8;
    for (let t = 0; t < 300; t += 0.5) replicas = hpa.decide(t, 0.5, view(s, 0, eight, 0.05)).get('orders') ?? -1;
    assert.equal(replicas, 8, 'scaled down inside the first 300 s');
    replicas = hpa.decide(300, 0.5, view(s, 0, eight, 0.05)).get('orders') ?? -1;
    assert.equal(replicas, 1, 'at 5 % CPU of 80 %: ceil(0.0625 × 8) = 1 once the initial recommendation has left the window');
  });
});
