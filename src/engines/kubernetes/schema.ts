// The `engine: {kind: kubernetes}` block and the keys each service may carry on this engine
// (`deployment:` or `statefulSet:`, and `namespace:`), validated when the config is parsed.
import { z } from 'zod';
import { duration, nonEmptyString } from '../../config/fields.js';

/** A DNS-1123 name, as Kubernetes requires for namespaces, Deployments, StatefulSets and Leases. */
function kubeName(what: string) {
  return nonEmptyString(what).regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    `expected ${what}: lowercase letters, digits, "-" or ".", starting and ending with a letter or digit`,
  );
}

const leaderElectionSchema = z
  .object({
    enabled: z.boolean({ invalid_type_error: 'expected true or false' }).default(true),
    /** Where the Lease lives; default: the engine's namespace. */
    namespace: kubeName('a namespace').optional(),
    name: kubeName('a Lease name').default('microscale-leader'),
    /** Who this replica is; default: $POD_NAME_<random per process>, else hostname-pid. */
    identity: nonEmptyString('an identity').optional(),
    leaseDuration: duration().default('8s'),
    renewDeadline: duration().default('5s'),
    retryPeriod: duration().default('1s'),
  })
  .strict()
  .superRefine((value, ctx) => {
    // The client-go rule: a leader must give up (renewDeadline) before anyone may take over (leaseDuration).
    if (value.renewDeadline >= value.leaseDuration) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['renewDeadline'],
        message: `expected less than leaseDuration (${value.leaseDuration}ms)`,
      });
    }
    if (value.retryPeriod * 1.2 >= value.renewDeadline) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['retryPeriod'],
        message: `expected less than renewDeadline / 1.2 (${Math.floor(value.renewDeadline / 1.2)}ms)`,
      });
    }
    if (value.leaseDuration % 1000 !== 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['leaseDuration'],
        message: 'expected whole seconds (a Lease stores seconds), e.g. 8s',
      });
    }
  });

export const kubernetesSchema = z
  .object({
    kind: z.literal('kubernetes'),
    /** Kubeconfig file; default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
    kubeconfig: nonEmptyString('a file path').optional(),
    /** Kubeconfig context; default: the current one. */
    context: nonEmptyString('a context name').optional(),
    /** Default namespace of the services' workloads; default: the context's namespace, else "default". */
    namespace: kubeName('a namespace').optional(),
    /** How long one API request may take before it counts as a failure. */
    requestTimeout: duration().default('10s'),
    /** How often the served workloads are checked again for an HPA or ScaledObject created since. */
    conflictCheckInterval: duration().default('30s'),
    leaderElection: leaderElectionSchema.optional(),
  })
  .strict();

export type KubernetesConfig = z.infer<typeof kubernetesSchema>;
export type LeaderElectionConfig = z.infer<typeof leaderElectionSchema>;

export const kubernetesServiceShape = {
  deployment: kubeName('a Deployment name').optional(),
  statefulSet: kubeName('a StatefulSet name').optional(),
  namespace: kubeName('a namespace').optional(),
};

export interface KubernetesServiceOptions {
  readonly deployment?: string;
  readonly statefulSet?: string;
  readonly namespace?: string;
}

export type WorkloadKind = 'Deployment' | 'StatefulSet';

/** The one workload a service scales. */
export interface WorkloadRef {
  readonly service: string;
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
}

export function describeWorkload(ref: WorkloadRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}
