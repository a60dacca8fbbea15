// Every engine kind microscale knows. Adding a kind: a folder under engines/ and one line here.
import type { EngineKind } from './types.js';
import { simEngine } from './sim/sim.js';
import { ecsEngine } from './ecs/ecs.js';
import { marathonEngine } from './marathon/marathon.js';
import { nomadEngine } from './nomad/nomad.js';
import { dockerEngine } from './docker/docker.js';
import { swarmEngine } from './swarm/swarm.js';
import { kubernetesEngine } from './kubernetes/kubernetes.js';

export const engineKinds: readonly EngineKind[] = [
  simEngine,
  dockerEngine,
  swarmEngine,
  kubernetesEngine,
  nomadEngine,
  marathonEngine,
  ecsEngine,
];

export function findEngineKind(kind: string): EngineKind | undefined {
  return engineKinds.find((k) => k.kind === kind);
}
