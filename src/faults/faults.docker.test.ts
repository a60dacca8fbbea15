// The fault-injection suite of issue 17, on real Docker, each fault with its bound. `microscale bench
// faults` runs the same scenarios and prints the figures. Kill points: all 12 (~7 s each on a loaded
// 2-core machine, most of it the restarted process loading); MICROSCALE_FAULT_KILL_POINTS=4 runs fewer.
// MICROSCALE_FAULT_TRACE=FILE writes each kill point's agent log and pool samples (kill.ts).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { dockerCheck } from '../engines/docker/testing/docker.js';
import { needService, type ServiceCheck } from '../testing/services.js';
import { PrivateDockerd } from './private-dockerd.js';
import { dockerdOutage } from './dockerd-outage.js';
import { killDuringScaling } from './kill.js';
import type { CapacityFigures } from './pool-watch.js';
import { sourceOutage } from './source-outage.js';
import { stuckRemoval, stuckRemovalUnavailable } from './stuck-removal.js';

const ALL_KILL_POINTS_MS = [0, 150, 300, 450, 600, 800, 1000, 1300, 1600, 2000, 60, 1150];
const killPoints = ALL_KILL_POINTS_MS.slice(0, Number(process.env.MICROSCALE_FAULT_KILL_POINTS ?? ALL_KILL_POINTS_MS.length));
const INTERVAL_MS = 500;

const privateDockerdCheck: ServiceCheck = {
  what: 'root, unshare and dockerd (to run a private Docker Engine this test can stop)',
  howToStart: 'run as root with docker.io installed (../shared/tools/docker-engine up installs it)',
  probe: async () => PrivateDockerd.available() && (await needService(undefined, dockerCheck).catch(() => false)),
};

const stuckRemovalCheck: ServiceCheck = {
  what: 'root, chattr and a local Docker Engine on overlay2 (to make a removal fail for real)',
  howToStart: 'run as root on the machine of the Docker Engine (../shared/tools/docker-engine up)',
  probe: async () => (await stuckRemovalUnavailable()) === undefined,
  missing: stuckRemovalUnavailable,
};

const redisServerCheck: ServiceCheck = {
  what: 'the redis-server binary (to start a throwaway server)',
  howToStart: 'apt-get install redis-server (../shared/tools/queue-servers up installs it)',
  probe: async () => existsSync('/usr/bin/redis-server'),
};

/**
 * Never over the pool, judged by the processes: the daemon's start and die events, and Docker's list less
 * the containers whose die had come (the list lags the die by the daemon's clean-up: pool-watch.ts).
 */
function assertNeverOver(figures: CapacityFigures & { capacity: number }): void {
  assert.equal(figures.withoutStartEvent, 0, 'every container the list saw running has its start event (the events are complete)');
  const over = `in a pool of ${figures.capacity} (list: ${figures.mostHolding}; ${JSON.stringify(figures.overCapacity)})`;
  assert.ok(figures.mostHoldingByEvents <= figures.capacity, `${figures.mostHoldingByEvents} between start and die at once ${over}`);
  assert.ok(figures.mostHoldingLessDied <= figures.capacity, `${figures.mostHoldingLessDied} listed running and not died ${over}`);
}

describe('faults', { timeout: 600_000 }, () => {
  // "Converged within 2 ticks" judges the agent: each stop and start the restarted agent sends goes out
  // within 2 ticks of when it could (its first tick for a stop; for a start, the exit that made room),
  // seen through a recording proxy in front of the daemon (agent-latency.ts). What the daemon then takes
  // to stop and start containers is not the agent's: on a busy 2-core machine it varied from 0.1 to 2 s
  // between the no-kill baseline and a trial of the same run, so a bound of baseline + 2 ticks on the
  // whole convergence failed 3 runs in 10 with the agent acting within 0.2 s. The bug this guards
  // against stalled for ~60 s.
  it(`kill -9 of the agent at ${killPoints.length} points of a pre-emption: every stop and start of the restarted agent within 2 ticks of when it could be sent, converged, no orphan, no duplicate, never over capacity`, async (t) => {
    if (!(await needService(t, dockerCheck))) return;
    const figures = await killDuringScaling(killPoints);
    t.diagnostic(JSON.stringify(figures));
    for (const trial of figures.trials) {
      const at = `killed ${trial.killAfterMs}ms into ${trial.change}`;
      assert.notEqual(trial.convergedAfterFirstTickMs, null, `${at}: never converged (within 20 s of the first tick)`);
      const slowest = trial.slowestAction;
      assert.ok(
        (slowest?.lateMs ?? 0) <= 2 * INTERVAL_MS,
        `${at}: the restarted agent sent a ${slowest?.action} of ${slowest?.container} ${slowest?.lateMs}ms after it could ` +
          `(bound ${2 * INTERVAL_MS}ms); converged ${trial.convergedAfterFirstTickMs}ms after its first tick`,
      );
      assert.equal(trial.orphans, 0, `${at}: containers left behind`);
      assert.equal(trial.duplicates, 0, `${at}: more containers than the plan`);
    }
    assert.ok(
      figures.trials.some((trial) => trial.actions > 0),
      'the restarted agents sent stops and starts through the recording proxy',
    );
    assert.ok(figures.samples > 50, `the pool was sampled (${figures.samples} samples)`);
    assertNeverOver(figures);
  });

  it('dockerd stopped 15 s: the agent stays up, creates nothing while it is down, converges within 3 s of its return, never over capacity', async (t) => {
    if (!(await needService(t, privateDockerdCheck))) return;
    const figures = await dockerdOutage(15_000);
    t.diagnostic(JSON.stringify(figures));
    assert.ok(
      figures.ticksWhileDown >= 15_000 / INTERVAL_MS / 2,
      `the agent ticked ${figures.ticksWhileDown} times while dockerd was down`,
    );
    assert.equal(figures.createsWhileDown, 0, 'no create while dockerd was shutting down or down');
    assert.notEqual(figures.convergedAfterBackMs, null, 'never converged after dockerd came back');
    assert.ok(
      (figures.convergedAfterBackMs ?? Infinity) <= 3000,
      `converged ${figures.convergedAfterBackMs}ms after dockerd answered again`,
    );
    assert.equal(figures.engineErrorLines, 1, 'one error line for the outage');
    assert.equal(figures.recoveredLines, 1, 'one recovered line');
    assertNeverOver(figures);
  });

  it('a container stuck in removal holds no place, is replaced meanwhile, is retried until it goes, and is reported once and recovered once', async (t) => {
    if (!(await needService(t, dockerCheck)) || !(await needService(t, stuckRemovalCheck))) return;
    const figures = await stuckRemoval(5000);
    t.diagnostic(JSON.stringify(figures));
    assert.ok(['removing', 'dead'].includes(figures.stuckState), `the daemon could not remove it (${figures.stuckState})`);
    assert.deepEqual(figures.heldWhileStuck, { running: 0, starting: 0, stopping: 0 }, 'it runs nothing: it holds no place');
    assert.ok(figures.replacedWhileStuck, 'the plan that wanted one again got a running container while it was stuck');
    // Retries come 1 s doubling to 30 s: after ~5 s stuck the next one is at most ~8 s away.
    assert.notEqual(figures.goneAfterReleaseMs, null, 'the engine removed it once the daemon could');
    assert.ok((figures.goneAfterReleaseMs ?? Infinity) <= 10_000, `removed ${figures.goneAfterReleaseMs}ms after the release`);
    assert.ok((figures.failures ?? 0) >= 2, `tried again while it was stuck (${figures.failures} failures)`);
    assert.equal(figures.failedLines, 1, 'one line when it got stuck, not one per try');
    assert.equal(figures.recoveredLines, 1, 'one recovered line');
  });

  it('Redis down 20 s: the service is held (never 0), one error line and one recovered line, fresh at the first tick after it is back', async (t) => {
    if (!(await needService(t, redisServerCheck))) return;
    const figures = await sourceOutage(20_000);
    t.diagnostic(JSON.stringify(figures));
    assert.equal(figures.heldAt, 3);
    assert.equal(figures.leastPlannedWhileDown, 3, 'held at 3 throughout, never 0');
    assert.equal(figures.errorLines, 1, 'one error line for the outage');
    assert.equal(figures.recoveredLines, 1, 'one recovered line');
    // The source reconnects within 480 ms (util/backoff.ts), so a tick at most one interval later reads it.
    assert.ok(
      (figures.freshAfterBackMs ?? Infinity) <= INTERVAL_MS + 480 + 200,
      `fresh ${figures.freshAfterBackMs}ms after redis was back (tick ${figures.freshTick})`,
    );
    assert.ok((figures.freshTick ?? 99) <= 2, `fresh at tick ${figures.freshTick} after redis was back`);
  });
});
