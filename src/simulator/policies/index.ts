// The policies `simulate` and `bench control` know, by name.
import type { Policy, PolicyContext, PolicyName } from '../policy.js';
import { hpaPolicy } from './hpa.js';
import { kedaPolicy } from './keda.js';
import { kpaPolicy } from './kpa.js';
import { microscalePolicy } from './microscale.js';
import { oraclePolicy } from './oracle.js';
import { staticPolicy } from './static.js';

const FACTORIES: Record<PolicyName, (context: PolicyContext) => Policy> = {
  microscale: microscalePolicy,
  hpa: hpaPolicy,
  keda: kedaPolicy,
  kpa: kpaPolicy,
  static: staticPolicy,
  oracle: oraclePolicy,
};

export function createPolicy(name: PolicyName, context: PolicyContext): Policy {
  return FACTORIES[name](context);
}
