// Every engine kind microscale knows, each loaded (with its SDK) only when a config names it
// (util/lazy-kinds.ts). Adding a kind: a folder under engines/ and one line here.
import { LazyKinds } from '../util/lazy-kinds.js';
import type { EngineKind } from './types.js';

export const engineKinds = new LazyKinds<EngineKind>({
  sim: async () => (await import('./sim/sim.js')).simEngine,
  docker: async () => (await import('./docker/docker.js')).dockerEngine,
  swarm: async () => (await import('./swarm/swarm.js')).swarmEngine,
  kubernetes: async () => (await import('./kubernetes/kubernetes.js')).kubernetesEngine,
  nomad: async () => (await import('./nomad/nomad.js')).nomadEngine,
  marathon: async () => (await import('./marathon/marathon.js')).marathonEngine,
  ecs: async () => (await import('./ecs/ecs.js')).ecsEngine,
});

/** The engine kind if it is loaded (every kind a validated config names is); see engineKinds.load. */
export function findEngineKind(kind: string): EngineKind | undefined {
  return engineKinds.find(kind);
}
