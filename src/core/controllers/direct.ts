// `direct`: the value is the demand itself, in containers (the classic demo).
import type { Controller } from './types.js';
import { clampCount } from './types.js';

export const directController: Controller<null> = {
  kind: 'direct',
  initialState: () => null,
  decide({ policy, observation, current }) {
    if (!observation) return { desired: { kind: 'count', count: current }, state: null, reason: 'no demand figure yet' };
    const count = clampCount(Math.ceil(observation.value), policy.min, policy.max);
    return { desired: { kind: 'count', count }, state: null, reason: `demand ${formatNumber(observation.value)}` };
  },
};

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
