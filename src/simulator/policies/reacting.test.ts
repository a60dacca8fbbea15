import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { compareAll, reactingChecks } from '../compare.js';
import { simulate } from '../run.js';
import { parseScenarioText } from '../scenario.js';
import { parseTrace } from '../trace.js';
import { reactingPolicy } from './reacting.js';

const shipped = (name: string) => readFile(new URL(`../../../traces/${name}`, import.meta.url), 'utf8');

describe('reacting reference', () => {
  it('takes the whole pool as soon as a queue waits, and only what the arrivals need otherwise', async () => {
    const scenario = parseScenarioText(await shipped('scenario.yaml'));
    const trace = parseTrace(await shipped('step.csv'));
    const run = simulate(scenario, trace, reactingPolicy({ scenario, trace }), { durationS: 640, sampleEveryS: 0.5 });
    const live = (tS: number) => run.series.find((p) => p.tS >= tS)?.live[0];
    assert.equal(live(590), 2, '20 msg/s at 10 per container: 2, no spare');
    // The step (20 → 150 msg/s at 600 s) shows at the 600.5 tick: background stops (1 s), P1 starts (2 s).
    assert.equal(live(604), 20, 'the whole pool (max 20) by stop + start + a tick');
    assert.equal(live(635), 15, 'back to the need (150 / 10) once the queue is worked off');
  });

  it('says when the SLA goals ask for foresight, and when reaction reaches them', async () => {
    const trace = parseTrace(await shipped('step.csv'));
    // traces/scenario.yaml: SLA 200 messages against a 1 s pre-emption + 2 s start at 130 msg/s too many.
    const tight = parseScenarioText(await shipped('scenario.yaml'));
    const tightChecks = reactingChecks(tight, trace, compareAll(tight, trace));
    assert.deepEqual(
      tightChecks.map((c) => c.slaMet),
      [false, false, false],
    );
    // traces/scenario-sla.yaml (issue 16's setting): SLA 500 against a 0.5 s pre-emption + 1 s start.
    const roomy = parseScenarioText(await shipped('scenario-sla.yaml'));
    const roomyChecks = reactingChecks(roomy, trace, compareAll(roomy, trace));
    assert.equal(roomyChecks[0]?.slaMet, true, `reaction alone meets the SLA goals: ${JSON.stringify(roomyChecks[0])}`);
  });
});
