// `hpa`: what `kubectl autoscale --max=N` gives a queue consumer: the Kubernetes HPA on CPU utilisation
// with its documented defaults (see hpa-rule.ts). Each service decides alone; the pods it asks for are
// placed on the shared pool by priority (placeOnPool), and those past capacity stay pending.
// minReplicas defaults to 1 (HPA API); the CPU average covers the 15 s since the last sync. The HPA is
// created at t = 0 on the warm-started Deployment: its first sync records that count, so it holds for
// the first stabilisation window before scaling down (horizontal.go recordInitialRecommendation).
import { periodic, perServicePolicy, type Policy, type PolicyContext } from '../policy.js';
import { cpuProposal, HPA_DEFAULTS, HpaBehavior } from './hpa-rule.js';

interface HpaState {
  replicas: number;
  readonly behavior: HpaBehavior;
  busyPodSeconds: number;
  podSeconds: number;
}

export function hpaPolicy(context: PolicyContext): Policy {
  const sync = periodic(HPA_DEFAULTS.syncS);
  return perServicePolicy<HpaState, boolean>('hpa', context, {
    clock: sync,
    init: (view) => ({
      replicas: view.actual.running + view.actual.starting,
      behavior: new HpaBehavior(Math.max(1, view.service.config.min), view.service.config.max),
      busyPodSeconds: 0,
      podSeconds: 0,
    }),
    decide(state, view, synced, tS, dtS) {
      state.busyPodSeconds += view.actual.running * view.busyFraction * dtS;
      state.podSeconds += view.actual.running * dtS;
      if (synced) state.behavior.observe(tS, state.replicas); // the HPA exists from t = 0
      if (synced && tS > 0) {
        const utilization = state.podSeconds > 0 ? state.busyPodSeconds / state.podSeconds : 0;
        const proposal = cpuProposal(state.replicas, view.actual.running, utilization);
        state.replicas = state.behavior.next(tS, state.replicas, proposal);
        state.busyPodSeconds = 0;
        state.podSeconds = 0;
      }
      return state.replicas;
    },
  });
}
