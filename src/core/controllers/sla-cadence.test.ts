import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CADENCE_INITIAL, cadence, readCadence, type CadenceState } from './sla-cadence.js';

const s = (seconds: number[]): number[] => seconds.map((x) => x * 1000);
const periodOf = (rises: number[], tickMs: number, horizonMs: number): number | null => cadence(rises, tickMs, horizonMs)?.periodMs ?? null;

/** Seven rises of 100 msg/s for 20 s, every 60 s, read at 60.5, 120.5, ... (a tick after the minute's edge), to t = 450 s; `read` goes on. */
function minutely() {
  let state: CadenceState = CADENCE_INITIAL;
  let previous = 40;
  const read = (tS: number, instant: number) => {
    const out = readCadence(state, instant, previous, 0, 20, tS * 1000, 0.5, 2);
    state = out.state;
    previous = instant;
    return out;
  };
  for (let tS = 0; tS < 450; tS += 0.5) read(tS, tS >= 60.5 && (tS - 60.5) % 60 < 20 ? 140 : 40);
  return { read, state: () => state };
}

describe('sla cadence', () => {
  // 0.5 s ticks, a 2.5 s horizon: cadences under 10 s are left to the noise and drift.
  const tickMs = 500;
  const horizonMs = 2500;

  it('finds the period of rises that skip some of their moments (per-minute traffic does not rise every minute)', () => {
    assert.equal(periodOf(s([60, 120, 240, 300, 420, 480, 660]), tickMs, horizonMs), 60_000);
    // The shortest interval is two periods: the period is a whole fraction of it.
    assert.equal(periodOf(s([0, 120, 300, 420, 540, 780, 900]), tickMs, horizonMs), 60_000);
    // Within a tick and a half of their moments (a batch job's jitter).
    assert.equal(periodOf(s([0, 60.5, 120, 179.5, 240, 300.5, 360]), tickMs, horizonMs), 60_000);
    // How far they fell from the moments times the window: half a second either way.
    assert.ok(Math.abs((cadence(s([0, 60.5, 120, 179.5, 240, 300.5, 360]), tickMs, horizonMs)?.jitterMs ?? 0) - 571) < 1);
  });

  it('finds none in rises at random moments, too few rises, or a cadence too short to tell from chance', () => {
    assert.equal(periodOf(s([0, 37, 61, 113, 140, 211, 250]), tickMs, horizonMs), null);
    assert.equal(periodOf(s([60, 120, 180, 240, 300, 360]), tickMs, horizonMs), null, 'six rises are five intervals: one short');
    assert.equal(periodOf(s([0, 5, 10, 15, 20, 25, 30]), tickMs, horizonMs), null, 'every 5 s is under 4 × 2.5 s');
    // Every 8 s, on 0.5 s ticks, is within the tolerance of 3 s in 8: intervals of 31, 32, 31, 24, 8 and 17 s
    // (random on/off traffic) fit it; 30 s is the shortest cadence that chance fits under one time in ten.
    assert.equal(periodOf(s([0, 31, 63, 94, 118, 126, 143]), tickMs, horizonMs), null);
    assert.equal(periodOf(s([0, 30, 60, 90, 120, 150, 180]), tickMs, horizonMs), 30_000);
    assert.equal(periodOf(s([0, 29, 58, 87, 116, 145, 174]), tickMs, horizonMs), null);
  });

  it('expects a rise from a reaction time before each moment until it is seen, and not after', () => {
    const { read, state } = minutely();
    assert.deepEqual(state().rises, s([60.5, 120.5, 180.5, 240.5, 300.5, 360.5, 420.5]));
    // The next moment is 480.5: expected from 480.5 − (2 + 0.5), the rises having come on the minute.
    assert.equal(read(450, 40).rise?.size ?? 0, 0);
    assert.equal(read(477.5, 40).rise?.size ?? 0, 0);
    const before = read(478, 40);
    assert.equal(before.periodMs, 60_000);
    assert.equal(before.rise?.size ?? 0, 100, 'a rise of their size');
    assert.equal(read(480.5, 140).rise?.size ?? 0, 0, 'seen: the level plans it now');
    assert.equal(read(481, 140).rise?.size ?? 0, 0);
  });

  it('keeps the beat through small rises between the big ones (noise between the runs of a batch job)', () => {
    let state: CadenceState = CADENCE_INITIAL;
    let previous = 40;
    // 100 msg/s more for 10 s every minute, and 15 msg/s more for a second 25 s after each.
    for (let tS = 0; tS < 450; tS += 0.5) {
      const instant = tS >= 60.5 && (tS - 60.5) % 60 < 10 ? 140 : tS >= 60.5 && (tS - 85.5) % 60 < 1 ? 55 : 40;
      state = readCadence(state, instant, previous, 0, 20, tS * 1000, 0.5, 2).state;
      previous = instant;
    }
    assert.deepEqual(state.rises, s([60.5, 120.5, 180.5, 240.5, 300.5, 360.5, 420.5]));
    assert.equal(state.riseSize, 100);
  });

  it('drops the cadence when the reaction time grows past a quarter of the period, and takes it back when it shrinks', () => {
    // The fit is kept between rises, for the tick and horizon it was made for: a learnt start latency
    // that grows must not leave a cadence the new horizon rules out (60 s is under 4 × (15 + 0.5) s).
    const { state } = minutely();
    const at = (leadS: number) => readCadence(state(), 40, 40, 0, 20, 450_000, 0.5, leadS).periodMs;
    assert.equal(at(2), 60_000);
    assert.equal(at(15), null);
    assert.equal(at(2), 60_000);
  });

  it('ends the expectation after the moment when no rise came, and a rise off the beat ends the cadence', () => {
    const { read } = minutely();
    assert.ok((read(479, 40).rise?.size ?? 0) > 0);
    // No rise at 480.5: expected until the moment + a tick (481), then the next one.
    assert.ok((read(481, 40).rise?.size ?? 0) > 0);
    assert.equal(read(481.5, 40).rise?.size ?? 0, 0);
    assert.ok((read(538, 40).rise?.size ?? 0) > 0, 'the moment after, 540.5, is expected');
    // A rise at 503 (off the beat) makes the intervals disagree: no cadence until they agree again.
    for (let tS = 481.5; tS < 530; tS += 0.5) read(tS, tS >= 503 && tS < 513 ? 140 : 40);
    assert.equal(read(538, 40).periodMs, null);
    assert.equal(read(538.5, 40).rise?.size ?? 0, 0);
  });
});
