// Picks the controller for a service from its target: queueLength → pid, perContainer → proportional,
// direct → direct, sla → sla; remainder services have no controller (the arbiter gives them what is left).
import type { Desired, ServiceEstimates, TargetSpec } from '../types.js';
import type { Controller, ControllerInput } from './types.js';
import { directController } from './direct.js';
import { pidController } from './pid.js';
import { proportionalController } from './proportional.js';
import { slaController } from './sla.js';

export type { Controller, ControllerInput, ControllerOutput, Reaction } from './types.js';
export { pidController, resolvePidTuning, type PidState } from './pid.js';
export { proportionalController } from './proportional.js';
export { directController } from './direct.js';
export { slaController, type SlaState } from './sla.js';

export type ControllerState = unknown;

export function controllerFor(target: TargetSpec): Controller<ControllerState> | null {
  switch (target.kind) {
    case 'queueLength':
      return pidController as Controller<ControllerState>;
    case 'perContainer':
      return proportionalController as Controller<ControllerState>;
    case 'direct':
      return directController as Controller<ControllerState>;
    case 'sla':
      return slaController as Controller<ControllerState>;
    case 'remainder':
      return null;
  }
}

/** One decision for one service, whatever its controller: the agent and the simulator both call this. */
export function decide(
  input: ControllerInput,
  state: ControllerState,
): { desired: Desired; state: ControllerState; reason: string; estimates?: Partial<ServiceEstimates> | undefined } {
  const controller = controllerFor(input.policy.target);
  if (!controller) return { desired: { kind: 'remainder' }, state, reason: 'takes what the pool has left' };
  return controller.decide(input, state ?? controller.initialState());
}
