// The expected values are upstream's: kubernetes/kubernetes pkg/controller/podautoscaler
// replica_calculator_test.go and horizontal_test.go (test names cited per case). CPU levels there are
// millicores of a 1-core request, so 300 m is a utilisation of 0.3.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuProposal, convertDesiredReplicasWithRules, HpaBehavior, scaleUpLimit } from './hpa-rule.js';

describe('HPA replica rule (replica_calculator.go)', () => {
  it('holds while the metric is within the 10 % tolerance', () => {
    assert.equal(cpuProposal(5, 5, 0.8 * 1.05), 5);
    assert.equal(cpuProposal(5, 5, 1.0), 7); // ceil(5 × 1.0 / 0.8)
  });
  it('drops unready pods on a scale-down instead of counting them at 100 % (TestReplicaCalcScaleDownIgnoresUnreadyPods)', () => {
    // 5 pods, 2 unready; the 3 ready at 100, 300, 500 m of 1 core; target 50 % → ceil(0.6 × 3) = 2.
    // Counting the unready pods at 100 % would give (0.9 + 2) / (0.5 × 5) = 1.16: no scale-down at all.
    assert.equal(cpuProposal(5, 3, 0.3, 0.5), 2);
  });
  it('counts unready pods at 0 % on a scale-up (TestReplicaCalcScaleUpUnreadyLessScale)', () => {
    // 3 pods, 1 unready; ready at 500 and 700 m, target 30 %: (0 + 0.5 + 0.7) / (0.3 × 3) = 1.33 → 4.
    assert.equal(cpuProposal(3, 2, 0.6, 0.3), 4);
  });
  it('drops a scale-up the unready pods turn into a scale-down (TestReplicaCalcScaleUpUnreadyNoScale)', () => {
    // 1 ready at 400 m, 2 unready, target 30 %: 1.33 alone, 0.44 with the unready pods at 0 % → hold 3.
    assert.equal(cpuProposal(3, 1, 0.4, 0.3), 3);
  });
  it("scales down on the ready pods: TestScaleDown's metric proposes 3 of 5", () => {
    // 5 ready pods at 100, 300, 500, 250, 250 m (28 %), target 50 %: ceil(0.56 × 5) = 3.
    assert.equal(cpuProposal(5, 5, 0.28, 0.5), 3);
  });
});

describe('HPA without behavior (horizontal.go normalizeDesiredReplicas)', () => {
  it('limits a scale-up to max(2 × current, 4), not max(×2, +4) (calculateScaleUpLimit)', () => {
    assert.equal(scaleUpLimit(1), 4); // max(×2, +4) would allow 5
    assert.equal(scaleUpLimit(3), 6); // ... 7
    assert.equal(scaleUpLimit(10), 20);
    const behavior = new HpaBehavior(1, 100);
    assert.equal(behavior.next(15, 1, 50), 4);
    assert.equal(behavior.next(30, 4, 50), 8);
  });
  it('clamps like TestConvertDesiredReplicasWithRules', () => {
    assert.equal(convertDesiredReplicasWithRules(5, 7, 3, 8), 7); // within range
    assert.equal(convertDesiredReplicasWithRules(3, 1, 2, 8), 2); // < minReplicas
    assert.equal(convertDesiredReplicasWithRules(20, 1000, 1, 10), 10); // maxReplicas < scaleUpLimit
    assert.equal(convertDesiredReplicasWithRules(3, 1000, 1, 2000), 6); // calculateScaleUpLimit(3)
  });
  it('holds the current count through the first stabilisation window (TestScaleDownStabilizeInitialSize)', () => {
    // min 2, max 6, 5 replicas, the metric proposes 3: the initial recommendation (5) wins.
    const behavior = new HpaBehavior(2, 6);
    assert.equal(behavior.next(0, 5, 3), 5);
    for (let t = 15; t < 300; t += 15) assert.equal(behavior.next(t, 5, 3), 5, `scaled down at ${t} s, inside the first window`);
    // 20 syncs later: a real sync starts 15 s after the previous one finished, so this sample is a
    // little over 300 s old and has left the window (see hpa-rule.ts).
    assert.equal(behavior.next(300, 5, 3), 3, 'the initial recommendation left the window');
  });
  it('takes the highest recommendation of the last 300 s (TestNormalizeDesiredReplicas)', () => {
    // "stabilize": 4 two minutes ago, 5 one minute ago, 3 now → 5.
    const stabilize = new HpaBehavior(1, 100);
    stabilize.next(60, 4, 4);
    stabilize.next(120, 4, 5);
    assert.equal(stabilize.next(180, 5, 3), 5);
    // "no stabilize - old recommendations": 10 and 9 from 10 and 9 minutes ago → 3.
    const old = new HpaBehavior(1, 100);
    old.next(0, 10, 10);
    old.next(60, 10, 9);
    assert.equal(old.next(600, 9, 3), 3);
  });
  it('moves towards the highest recommendation of the window even when the metric has dropped (stabilizeRecommendation returns the max)', () => {
    // A burst proposed 20 while 1 ran; the metric now proposes 0: still up, by max(2 × current, 4) per sync.
    const behavior = new HpaBehavior(1, 20);
    behavior.next(0, 1, 1);
    assert.equal(behavior.next(15, 1, 20), 4);
    assert.equal(behavior.next(30, 4, 0), 8);
    assert.equal(behavior.next(45, 8, 0), 16);
    assert.equal(behavior.next(60, 16, 0), 20);
    assert.equal(behavior.next(300, 20, 0), 20, 'the 20 is still in the window');
    assert.equal(behavior.next(315, 20, 0), 1, 'the 20 left the window');
  });
  it('keeps within minReplicas and maxReplicas', () => {
    assert.equal(new HpaBehavior(2, 6).next(0, 4, 40), 6);
    assert.equal(new HpaBehavior(2, 6).next(0, 1, 1), 2);
  });
});
