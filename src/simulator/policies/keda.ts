// `keda`: a KEDA ScaledObject on the queue length, with the documented defaults
// (https://keda.sh/docs/latest/reference/scaledobject-spec/ and .../concepts/scaling-deployments/):
// - pollingInterval 30 s: how often KEDA checks the trigger to activate (0 → 1) or deactivate;
// - activationThreshold 0: active while the queue holds more than 0 messages;
// - cooldownPeriod 300 s: inactive that long after the last active check → scaled to 0
//   (minReplicaCount 0 by default);
// - from 1 replica up, the HPA KEDA creates scales on the queue as an External metric with an
//   AverageValue target (`value` per replica), 15 s sync and the HPA default behaviour (hpa-rule.ts).
// The per-replica `value` is chosen in KEDA's favour (targets.ts).
import { fillReplicas, placeOnPool, type Policy, type PolicyContext } from '../policy.js';
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
  const states = new Map<string, KedaState>();
  let nextPollS = 0;
  let nextSyncS = 0;
  return {
    name: 'keda',
    decide(tS, _dtS, views) {
      const poll = tS >= nextPollS;
      if (poll) nextPollS += KEDA_DEFAULTS.pollingIntervalS;
      const sync = tS >= nextSyncS;
      if (sync) nextSyncS += HPA_DEFAULTS.syncS;
      const replicas = new Map<string, number>();
      for (const view of views) {
        const { config, simulation } = view.service;
        if (!simulation) {
          replicas.set(config.name, fillReplicas(view.service));
          continue;
        }
        let state = states.get(config.name);
        if (!state) {
          const behavior = new HpaBehavior(Math.max(1, KEDA_DEFAULTS.minReplicaCount, config.min), config.max);
          state = { replicas: view.actual.running + view.actual.starting, lastActiveS: 0, behavior, perReplica: perReplicaTarget(view.service, context.trace) };
          states.set(config.name, state);
        }
        if (poll) {
          const active = view.queue > KEDA_DEFAULTS.activationThreshold;
          if (active) state.lastActiveS = tS;
          const floor = Math.max(KEDA_DEFAULTS.minReplicaCount, config.min);
          if (active && state.replicas === 0) state.replicas = Math.max(1, floor);
          else if (!active && state.replicas > floor && tS - state.lastActiveS >= KEDA_DEFAULTS.cooldownPeriodS) state.replicas = floor;
        }
        // The HPA does nothing while the target is at 0 replicas; KEDA owns 0 ↔ 1.
        if (sync && tS > 0 && state.replicas > 0) {
          state.replicas = state.behavior.next(tS, state.replicas, averageValueProposal(state.replicas, view.queue, state.perReplica));
        }
        replicas.set(config.name, state.replicas);
      }
      return placeOnPool(replicas, views, context.scenario.config.capacity);
    },
  };
}
