// `keda`: a KEDA ScaledObject on the queue length, with the documented defaults
// (https://keda.sh/docs/latest/reference/scaledobject-spec/ and .../concepts/scaling-deployments/):
// - pollingInterval 30 s: how often KEDA checks the trigger to activate (0 → 1) or deactivate;
// - activationThreshold 0: active while the queue holds more than 0 messages;
// - cooldownPeriod 300 s: inactive that long after the last active check → scaled to 0
//   (minReplicaCount 0 by default);
// - from 1 replica up, the HPA KEDA creates scales on the queue as an External metric with an
//   AverageValue target (`value` per replica), 15 s sync and the HPA default behaviour (hpa-rule.ts).
// The per-replica `value` is chosen in KEDA's favour (targets.ts).
import { periodic, perServicePolicy, type Policy, type PolicyContext } from '../policy.js';
import { averageValueProposal, HPA_DEFAULTS, HpaBehavior } from './hpa-rule.js';
import { perReplicaTarget } from './targets.js';

export const KEDA_DEFAULTS = { pollingIntervalS: 30, cooldownPeriodS: 300, activationThreshold: 0, minReplicaCount: 0 } as const;

interface KedaState {
  replicas: number;
  lastActiveS: number;
  readonly behavior: HpaBehavior;
  readonly perReplica: number;
}

export function kedaPolicy(context: PolicyContext): Policy {
  const poll = periodic(KEDA_DEFAULTS.pollingIntervalS);
  const sync = periodic(HPA_DEFAULTS.syncS);
  return perServicePolicy<KedaState, { polled: boolean; synced: boolean }>('keda', context, {
    clock: (tS) => ({ polled: poll(tS), synced: sync(tS) }),
    init: (view) => ({
      replicas: view.actual.running + view.actual.starting,
      lastActiveS: 0,
      behavior: new HpaBehavior(Math.max(1, KEDA_DEFAULTS.minReplicaCount, view.service.config.min), view.service.config.max),
      perReplica: perReplicaTarget(view.service, context.trace),
    }),
    decide(state, view, { polled, synced }, tS) {
      const config = view.service.config;
      if (polled) {
        const active = view.queue > KEDA_DEFAULTS.activationThreshold;
        if (active) state.lastActiveS = tS;
        const floor = Math.max(KEDA_DEFAULTS.minReplicaCount, config.min);
        if (active && state.replicas === 0) state.replicas = Math.max(1, floor);
        else if (!active && state.replicas > floor && tS - state.lastActiveS >= KEDA_DEFAULTS.cooldownPeriodS) state.replicas = floor;
      }
      // The HPA does nothing while the target is at 0 replicas; KEDA owns 0 ↔ 1.
      if (synced && tS > 0 && state.replicas > 0) {
        state.replicas = state.behavior.next(tS, state.replicas, averageValueProposal(state.replicas, view.queue, state.perReplica));
      }
      return state.replicas;
    },
  });
}
