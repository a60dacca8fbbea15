// Stop latency learnt from the real node (../shared/tools/k8s-node) read every 2 s: timed to the watch's
// delete event of each pod (workload.ts, state.ts podGone), not to the read that saw it gone, which gives
// whole reads. The truth: this test's own watch on the pods (the request → deleted from the API).
// The engine is read on a fixed 2 s beat here, without the agent (as latency.docker.test.ts does).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { INITIAL_LATENCY, observeLatency, type LatencyState } from '../../core/latency.js';
import { EMPTY_STATE, type ActualState } from '../../core/types.js';
import { silentLogger } from '../../log/logger.js';
import { KubernetesEngine } from './kubernetes.js';
import { kubernetesSchema } from './schema.js';
import { adminClients, createRealDeployment, KUBECONFIG_PATH, needNode, testNamespace, type TestNamespace } from './testing/cluster.js';

const TICK_MS = 2000;

const withoutMoments = ({ runningAtMs: _r, goneAtMs: _g, ...rest }: ActualState): ActualState => rest;

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** The estimate's smoothing (core/latency.ts) of these samples in order: what a perfect timing learns. */
const smoothed = (samples: readonly number[]): number => samples.slice(1).reduce((m, x) => m + 0.2 * (x - m), samples[0] ?? Number.NaN);

describe('latency learnt from the kubernetes engine', () => {
  const clients = adminClients();
  let ns: TestNamespace | undefined;
  after(async () => {
    await ns?.removeAndWait();
  });

  it('learns a stop to within 300 ms of request → pod deleted when read every 2 s, well under the read', async (t) => {
    if (!(await needNode(t))) return;
    ns = await testNamespace(clients, 'ms-latency');
    const namespace = ns.name;
    // sh as PID 1 ignores TERM unless trapped: with the trap its container ends at once (and 1 s of grace
    // at most should a TERM come before the trap is set); the rest is the kubelet's teardown.
    await createRealDeployment(clients, namespace, 'svc', {
      terminationGracePeriodSeconds: 1,
      command: ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"],
    });
    const engine = await KubernetesEngine.create(
      kubernetesSchema.parse({ kind: 'kubernetes', namespace }),
      [{ name: 'svc', stopGracePeriodMs: 0, options: { deployment: 'svc' } }],
      { log: silentLogger(), nowMs: Date.now },
      clients,
    );
    // The truth: when each pod was deleted from the API, by this test's own watch (the same clock).
    const deletedMs: number[] = [];
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(KUBECONFIG_PATH);
    const truthWatch = await new Watch(kubeConfig).watch(
      `/api/v1/namespaces/${namespace}/pods`,
      {},
      (phase) => void (phase === 'DELETED' && deletedMs.push(Date.now())),
      () => undefined,
    );
    let latency: LatencyState = INITIAL_LATENCY;
    let byTick: LatencyState = INITIAL_LATENCY; // the same reads without the moments: the tick's measure
    const stopRequestsMs: number[] = [];
    const read = async (): Promise<ActualState> => {
      const atMs = Date.now();
      const actual = (await engine.observe()).get('svc') ?? EMPTY_STATE;
      latency = observeLatency(latency, actual, atMs);
      byTick = observeLatency(byTick, withoutMoments(actual), atMs);
      return actual;
    };
    const beat = async (beganMs: number): Promise<void> =>
      new Promise((resolve) => setTimeout(resolve, Math.max(0, beganMs + TICK_MS - Date.now())));
    try {
      // Each target asked for at a read, then read every 2 s until the engine has settled on it.
      for (const target of [3, 1, 4, 1]) {
        let beganMs = Date.now();
        await read();
        if (target === 1) stopRequestsMs.push(beganMs);
        await engine.apply([{ name: 'svc', replicas: target }]);
        for (let reads = 0; reads < 30; reads++) {
          await beat(beganMs);
          beganMs = Date.now();
          const actual = await read();
          if (actual.running === target && actual.starting === 0 && actual.stopping === 0) break;
        }
        await beat(beganMs);
      }
      const truth = deletedMs.map((ms) => (ms - Math.max(...stopRequestsMs.filter((r) => r <= ms))) / 1000);
      const learntS = latency.stop?.meanS ?? Number.NaN;
      const tickS = byTick.stop?.meanS ?? Number.NaN;
      const figures =
        `learnt stop ${learntS.toFixed(3)} s (the tick's measure: ${tickS.toFixed(3)} s), request → deleted by the test's own watch ` +
        `${truth.map((s) => s.toFixed(3)).join(', ')} s (mean ${mean(truth).toFixed(3)}, smoothed ${smoothed(truth).toFixed(3)}), learnt start ` +
        `${(latency.start?.meanS ?? Number.NaN).toFixed(3)} s, read every ${TICK_MS / 1000} s`;
      assert.equal(truth.length, 5, figures);
      assert.equal(latency.stop?.samples, 5, figures);
      // The estimate smooths (recent stops weigh more): compared with the same smoothing of the truth.
      assert.ok(Math.abs(learntS - smoothed(truth)) <= 0.3, figures);
      // Timed to the read that saw each pod gone, a stop is late by up to a read (2 s).
      assert.ok(learntS < tickS, figures);
      t.diagnostic(figures);
    } finally {
      truthWatch.abort();
      await engine.close();
    }
  });
});
