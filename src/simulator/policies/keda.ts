// `keda`: a KEDA ScaledObject on the queue length, with the documented defaults
// (https://keda.sh/docs/latest/reference/scaledobject-spec/ and .../concepts/scaling-deployments/)
// and the scale executor's rules (kedacore/keda pkg/scaling/executor/scale_scaledobjects.go
// RequestScale and scaleToZero):
// - pollingInterval 30 s: how often KEDA checks the trigger; the first check is at creation;
// - activationThreshold 0: active while the queue holds more than 0 messages (the RabbitMQ
//   scaler's default QueueLength over AMQP counts ready messages, the simulator's queue);
// - at 0 replicas and active → minReplicaCount, or 1 (scaleFromZero), and LastActiveTime = now;
//   active with replicas → LastActiveTime = now;
// - inactive with replicas and minReplicaCount 0 → scaled to 0 if LastActiveTime is unset (a
//   ScaledObject that has never seen its trigger active scales an idle Deployment down at once) or
//   LastActiveTime + cooldownPeriod (300 s) is strictly before now; inactive below a
//   minReplicaCount > 0 → minReplicaCount. Above a minReplicaCount > 0, only the HPA scales down;
// - minReplicaCount is the service's `min` (a user porting the config keeps it); from 1 replica up,
//   the HPA KEDA creates scales on the queue as an External metric with an AverageValue target
//   (`value` per replica), 15 s sync, no `behavior` (KEDA sets none unless
//   advanced.horizontalPodAutoscalerConfig.behavior is given), see hpa-rule.ts.
// The per-replica `value` is chosen in KEDA's favour (targets.ts).
import { periodic, perServicePolicy, type Policy, type PolicyContext } from '../policy.js';
import { averageValueProposal, HPA_DEFAULTS, HpaBehavior } from './hpa-rule.js';
import { perReplicaTarget } from './targets.js';

export const KEDA_DEFAULTS = { pollingIntervalS: 30, cooldownPeriodS: 300, activationThreshold: 0 } as const;

interface KedaState {
  replicas: number;
  /** ScaledObject status.lastActiveTime; null until a check finds the trigger active. */
  lastActiveS: number | null;
  readonly minReplicaCount: number;
  readonly behavior: HpaBehavior;
  readonly perReplica: number;
}

/** One KEDA check (RequestScale): the replica count after it. Exported for its tests. */
export function kedaCheck(state: KedaState, tS: number, active: boolean): number {
  const min = state.minReplicaCount;
  if (state.replicas === 0 && active) {
    state.replicas = Math.max(1, min);
    state.lastActiveS = tS;
  } else if (!active && state.replicas > 0 && min === 0) {
    if (state.lastActiveS === null || state.lastActiveS + KEDA_DEFAULTS.cooldownPeriodS < tS) state.replicas = 0;
  } else if (!active && state.replicas < min) {
    state.replicas = min;
  } else if (active) {
    state.lastActiveS = tS;
  }
  return state.replicas;
}

export function newKedaState(replicas: number, minReplicaCount: number, maxReplicas: number, perReplica: number): KedaState {
  return { replicas, lastActiveS: null, minReplicaCount, behavior: new HpaBehavior(Math.max(1, minReplicaCount), maxReplicas), perReplica };
}

export function kedaPolicy(context: PolicyContext): Policy {
  const poll = periodic(KEDA_DEFAULTS.pollingIntervalS);
  const sync = periodic(HPA_DEFAULTS.syncS);
  return perServicePolicy<KedaState, { polled: boolean; synced: boolean }>('keda', context, {
    clock: (tS) => ({ polled: poll(tS), synced: sync(tS) }),
    init: (view) =>
      newKedaState(
        view.actual.running + view.actual.starting,
        view.service.config.min,
        view.service.config.max,
        perReplicaTarget(view.service, context.trace),
      ),
    decide(state, view, { polled, synced }, tS) {
      if (polled) kedaCheck(state, tS, view.queue > KEDA_DEFAULTS.activationThreshold);
      if (synced) state.behavior.observe(tS, state.replicas);
      // The HPA does nothing while the target is at 0 replicas ("scaling is disabled"); KEDA owns 0 ↔ 1.
      if (synced && tS > 0 && state.replicas > 0) {
        state.replicas = state.behavior.next(tS, state.replicas, averageValueProposal(state.replicas, view.queue, state.perReplica));
      }
      return state.replicas;
    },
  });
}
