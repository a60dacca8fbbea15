// `bench kubernetes`: how fast microscale reacts on a real Kubernetes node (../shared/tools/k8s-node:
// a kubelet running pods as containers on the local Docker Engine), beside the node's own floor measured
// in the same run.
// - A queue step: 100 messages pushed at once onto a Redis list read by the `redis` source; a consumer
//   Deployment with target perContainer 50 (so 0 -> 2 replicas; --step-replicas N: 50 x N messages,
//   0 -> N). Timed from the push to the Deployment's spec.replicas written (seen by a watch of this
//   process) and to the first new pod Ready (a watch of the pods), once on the 500 ms tick alone and
//   once with Redis keyspace notifications waking the agent.
// - The floor: a bare scale patch of another Deployment on the same node, 0 -> 2 like the step, to its
//   first pod Ready: what any autoscaler pays on this node once it has decided.
// - Paired: in each trial the floor's patch and the step's push are sent at the same instant (which is
//   sent first alternates), to the same kubelet, so both meet the same 1 s relist (PLEG) window: the
//   kubelet notices a started container (so the pod's Ready) on that clock, so first-Ready times are
//   quantised to it and unpaired medians of a few trials swung by +-600 ms (see docs/kubernetes.md).
//   The per-trial difference (step Ready - floor Ready) is what the goal is judged on. Each trial starts
//   at a random 0-1 s phase after the previous pods are gone.
// The trials: kubernetes-trials.ts; the watches that time them: kubernetes-clock.ts.
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { Clock } from './kubernetes-clock.js';
import { PER_CONTAINER, REDIS_URL, REST_MS, trialsIn, type Pair, type Trials } from './kubernetes-trials.js';
import { adminClients, createRealDeployment, NODE_NAME, testNamespace } from './services/kubernetes.js';
import { percentile, redisProblem, withKeyspaceEvents } from './docker.js';
import { meanInterval } from './stats.js';
import type { BenchOptions, BenchResult, BenchRow, Benchmark } from './types.js';

function row(metric: string, ours: readonly number[], baseline: readonly number[], expected: number, goal: string): BenchRow {
  const [p50, p95, b50, b95] = [percentile(ours, 50), percentile(ours, 95), percentile(baseline, 50), percentile(baseline, 95)];
  return {
    metric,
    trials: `${ours.length}/${expected}`,
    'p50 ms': p50,
    'p95 ms': p95,
    'floor p50 ms': b50,
    'floor p95 ms': b95,
    'p50 - floor p50 ms': p50 !== null && b50 !== null ? p50 - b50 : null,
    goal,
  };
}

/** The paired row: per-trial differences step Ready - floor Ready, and whether the goal is shown. */
function pairedRow(metric: string, result: Trials, expected: number, goalMs: number): BenchRow {
  const diffs = result.pairs.map((p) => p.diffMs);
  const written = result.pairs.flatMap((p) => (p.writtenMs === null ? [] : [p.writtenMs]));
  const mean = meanInterval(diffs);
  const met = mean === null ? '-' : mean.high <= goalMs ? 'yes' : mean.low > goalMs ? 'no' : 'not shown (interval spans the goal)';
  return {
    metric,
    trials: `${diffs.length}/${expected}`,
    'p50 ms': percentile(diffs, 50),
    'p95 ms': percentile(diffs, 95),
    'mean ms': mean === null ? null : Math.round(mean.mean),
    'mean 95% CI ms': mean === null ? null : `${Math.round(mean.low)} .. ${Math.round(mean.high)}`,
    // microscale's own reaction in the same trials: what an ideal downstream would add to the difference.
    'mean written ms': written.length === 0 ? null : Math.round(written.reduce((a, b) => a + b, 0) / written.length),
    'trials > +300 / < -300 ms': `${diffs.filter((d) => d > goalMs).length} / ${diffs.filter((d) => d < -goalMs).length}`,
    goal: `mean 95% CI <= +${goalMs} ms`,
    met,
  };
}

function pairNotes(mode: string, result: Trials): string[] {
  const pairs = result.pairs;
  const max = (values: number[]): number => (values.length === 0 ? 0 : Math.max(...values));
  const notes = [
    `paired (${mode}), per trial [first sent] floor Ready / step Ready ms (difference): ${pairs
      .map((p) => `#${p.trial} [${p.first}] ${p.floorReadyMs}/${p.stepReadyMs} (${p.diffMs >= 0 ? '+' : ''}${p.diffMs})`)
      .join(', ')}`,
    `paired (${mode}): sends at most ${max(pairs.map((p) => p.sendSkewMs))} ms apart; acknowledged after p50 ${percentile(
      pairs.map((p) => p.floorAckMs),
      50,
    )} ms (floor's scale patch) / ${percentile(
      pairs.map((p) => p.stepAckMs),
      50,
    )} ms (step's push); every first Ready pod on ${NODE_NAME}; load average ${result.loadAtStart.toFixed(1)} at the start`,
  ];
  const byOrder = (first: Pair['first']): string => {
    const m = meanInterval(pairs.filter((p) => p.first === first).map((p) => p.diffMs));
    return m === null ? '-' : `${Math.round(m.mean)} ms (n ${m.n}, ${Math.round(m.low)} .. ${Math.round(m.high)})`;
  };
  notes.push(
    `paired (${mode}): mean difference with the floor sent first ${byOrder('floor')}, with the step sent first ${byOrder('step')}`,
  );
  if (result.discarded.length > 0) notes.push(`paired (${mode}): left out ${result.discarded.join('; ')}`);
  return notes;
}

async function missing(): Promise<string | undefined> {
  try {
    const node = await adminClients().core.readNode({ name: NODE_NAME });
    if (!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      return `node ${NODE_NAME} is not Ready; start it with ../shared/tools/k8s-node up`;
  } catch (error) {
    const why = String(error).split('\n')[0];
    return `no Kubernetes node ${NODE_NAME} (${why}); start ../shared/tools/k8s-control-plane up, then ../shared/tools/k8s-node up`;
  }
  return redisProblem();
}

/** `--step-replicas`: 1 to 4 (default 2), or undefined when it is not. */
function stepReplicasOf(args: BenchOptions['args']): number | undefined {
  const replicas = args.stepReplicas === undefined ? 2 : Number(args.stepReplicas);
  return Number.isInteger(replicas) && replicas >= 1 && replicas <= 4 ? replicas : undefined;
}

function stepReplicasProblem(args: BenchOptions['args']): string {
  return `--step-replicas ${String(args.stepReplicas)}: expected a whole number from 1 to 4; write e.g. --step-replicas 2 (the default)`;
}

export const kubernetesBenchmark: Benchmark = {
  name: 'kubernetes',
  description: 'real Kubernetes node: queue step to replicas written and to the first pod Ready, beside a bare scale patch',
  flags: ['trials', 'stepReplicas'],
  check: (args) => (stepReplicasOf(args) === undefined ? [stepReplicasProblem(args)] : []),
  async run({ quick, args }): Promise<BenchResult> {
    const absent = await missing();
    if (absent) return { name: 'kubernetes', summary: 'skipped', rows: [], notes: [`SKIPPED: ${absent}`] };
    const trials = args.trials === undefined ? (quick ? 3 : 20) : Number(args.trials);
    const replicas = stepReplicasOf(args);
    if (replicas === undefined) throw new Error(`bench kubernetes: ${stepReplicasProblem(args)}`);
    const loadBefore = loadavg()[0] ?? 0;
    const clients = adminClients();
    const ns = await testNamespace(clients, 'ms-bench');
    const clock = new Clock();
    try {
      await createRealDeployment(clients, ns.name, 'consumer');
      await createRealDeployment(clients, ns.name, 'floor');
      await clock.open(ns.name);
      const tick = await trialsIn(ns.name, clock, trials, false, replicas);
      const admin = new Redis(REDIS_URL);
      const watched = await withKeyspaceEvents(admin, () => trialsIn(ns.name, clock, trials, true, replicas)).finally(() =>
        admin.disconnect(),
      );
      const floor = [...tick.floor, ...watched.floor];
      return {
        name: 'kubernetes',
        summary:
          `latency on the real node ${NODE_NAME} (tick 500 ms), beside a bare scale patch (0 -> ${replicas}) -> first pod Ready ` +
          'sent at the same instant in each trial (paired)',
        rows: [
          row('step-to-replicas-written (tick)', tick.written, [], trials, 'p95 <= 600 ms'),
          row('step-to-replicas-written (keyspace watch)', watched.written, [], trials, 'p95 <= 150 ms'),
          // Each mode beside the floor measured in its own trials, sent at the same instant as each step.
          row('step-to-first-pod-Ready (tick)', tick.ready, tick.floor, trials, 'p50 <= floor + 300 ms'),
          row('step-to-first-pod-Ready (keyspace watch)', watched.ready, watched.floor, trials, 'p50 <= floor + 300 ms'),
          row(`floor: scale patch 0 -> ${replicas} -> first pod Ready (both modes)`, floor, floor, trials * 2, '-'),
          pairedRow('paired: step Ready - floor Ready, same trial (tick)', tick, trials, 300),
          pairedRow('paired: step Ready - floor Ready, same trial (keyspace watch)', watched, trials, 300),
        ],
        notes: [
          `step: ${replicas * PER_CONTAINER} messages pushed at once onto a Redis list; consumer target perContainer ${PER_CONTAINER} => ` +
            `0 -> ${replicas} replicas (--step-replicas; the floor scales 0 -> ${replicas} too); ` +
            `pods are busybox sleep on the real kubelet (schedulerName ${NODE_NAME}, imagePullPolicy Never)`,
          '(tick): keyspace notifications off, the push is seen at the next 500 ms tick; ' +
            '(keyspace watch): notify-keyspace-events Kl set for the run (restored after), the source wakes the agent at once',
          "written and Ready are when this process's watches saw them (the same watch delay for microscale and the floor)",
          "paired: in each trial the floor's scale patch and the step's push are sent in the same turn (which goes first alternates), " +
            'so both pods meet the same kubelet relist window; the goal is judged on the mean of the per-trial differences ' +
            `with its 95 % interval (Student's t); ` +
            `each trial starts ${REST_MS / 1000}-${REST_MS / 1000 + 1} s after the previous pods are gone`,
          ...pairNotes('tick', tick),
          ...pairNotes('keyspace watch', watched),
          `host load average (1 min) ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after, ` +
            `on ${cpus().length} cores: a shared machine makes every figure, floor included, slower`,
        ],
      };
    } finally {
      await clock.close();
      await ns.remove();
    }
  },
};
