import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { averageValueProposal, cpuProposal, HpaBehavior } from './hpa-rule.js';

describe('HPA replica rule', () => {
  it('holds while the metric is within the 10 % tolerance', () => {
    assert.equal(averageValueProposal(4, 4 * 50 * 1.09, 50), 4);
    assert.equal(averageValueProposal(4, 4 * 50 * 0.91, 50), 4);
    assert.equal(averageValueProposal(4, 4 * 50 * 1.2, 50), 5);
    assert.equal(cpuProposal(5, 5, 0.8 * 1.05), 5);
    assert.equal(cpuProposal(5, 5, 1.0), 7); // ceil(5 × 1.0 / 0.8)
  });
  it('counts pods without metrics as idle when scaling up (so a start in flight slows the next step)', () => {
    // 4 ready at 100 %, 4 more starting: (4 × 1.0 + 0) / (0.8 × 8) = 0.625 < 1 → the direction flips → hold.
    assert.equal(cpuProposal(8, 4, 1.0), 8);
    assert.equal(cpuProposal(5, 4, 1.0), 5); // (4 + 0) / (0.8 × 5) = 1.0: within tolerance
  });
});

describe('HPA default behavior', () => {
  it('scales up by at most max(×2, +4) per sync', () => {
    const behavior = new HpaBehavior(1, 100);
    assert.equal(behavior.next(15, 1, 50), 5); // +4 beats ×2 from 1
    assert.equal(behavior.next(30, 10, 50), 20); // ×2 beats +4 from 10
  });
  it('scales down only to the highest recommendation of the last 300 s', () => {
    const behavior = new HpaBehavior(1, 100);
    assert.equal(behavior.next(0, 10, 10), 10);
    let replicas = 10;
    for (let t = 15; t < 300; t += 15) {
      replicas = behavior.next(t, replicas, 2);
      assert.equal(replicas, 10, `dropped to ${replicas} at ${t} s, inside the stabilization window`);
    }
    assert.equal(behavior.next(300, replicas, 2), 2, 'the 10 left the window after 300 s');
  });
  it('keeps within minReplicas and maxReplicas', () => {
    const behavior = new HpaBehavior(2, 6);
    assert.equal(behavior.next(0, 4, 40), 6);
    assert.equal(new HpaBehavior(2, 6).next(0, 4, 0), 2);
  });
});
