// `hpa`: what `kubectl autoscale --max=N` gives a queue consumer: the Kubernetes HPA on CPU utilisation
// with its documented defaults (see hpa-rule.ts). Each service decides alone; the pods it asks for are
// placed on the shared pool by priority (placeOnPool), and those past capacity stay pending.
// minReplicas defaults to 1 (HPA API); the CPU average covers the 15 s since the last sync.
import { fillReplicas, placeOnPool, type Policy, type PolicyContext } from '../policy.js';
import { cpuProposal, HPA_DEFAULTS, HpaBehavior } from './hpa-rule.js';

interface HpaState {
  replicas: number;
  readonly behavior: HpaBehavior;
  busyPodSeconds: number;
  podSeconds: number;
}

export function hpaPolicy(context: PolicyContext): Policy {
  const states = new Map<string, HpaState>();
  let nextSyncS = 0;
  return {
    name: 'hpa',
    decide(tS, dtS, views) {
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
          state = { replicas: view.actual.running + view.actual.starting, behavior: new HpaBehavior(Math.max(1, config.min), config.max), busyPodSeconds: 0, podSeconds: 0 };
          states.set(config.name, state);
        }
        state.busyPodSeconds += view.actual.running * view.busyFraction * dtS;
        state.podSeconds += view.actual.running * dtS;
        if (sync && tS > 0) {
          const utilization = state.podSeconds > 0 ? state.busyPodSeconds / state.podSeconds : 0;
          const proposal = cpuProposal(state.replicas, view.actual.running, utilization);
          state.replicas = state.behavior.next(tS, state.replicas, proposal);
          state.busyPodSeconds = 0;
          state.podSeconds = 0;
        }
        replicas.set(config.name, state.replicas);
      }
      return placeOnPool(replicas, views, context.scenario.config.capacity);
    },
  };
}
