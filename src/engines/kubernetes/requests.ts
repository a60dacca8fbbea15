// Pure: what a pod takes of the pool (its resource requests, as the scheduler counts them), the size of
// a workload's containers, and `capacity: auto` (the allocatable of the nodes the services' pods can run
// on, minus what other pods on them request).
import type { V1Node, V1NodeSelectorRequirement, V1Pod, V1PodSpec, V1ResourceRequirements, V1Toleration } from '@kubernetes/client-node';
import { formatAmount, toBaseUnits, type Resources } from '../../core/resources.js';

const POOL_RESOURCES = ['cpu', 'memory'] as const;

/** One container's requests in base units; a resource with a limit but no request is requested at its limit, as Kubernetes defaults it. */
function containerRequests(resources: V1ResourceRequirements | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of POOL_RESOURCES) {
    const raw = resources?.requests?.[name] ?? resources?.limits?.[name];
    const amount = raw === undefined ? undefined : toBaseUnits(name, String(raw), 'up');
    if (amount !== undefined) out[name] = amount;
  }
  return out;
}

/**
 * What a pod with this spec requests, as kube-scheduler counts it: the larger of its containers' sum and
 * its largest init container, plus the pod overhead. A resource no container requests is absent.
 */
export function podRequests(spec: V1PodSpec | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const raise = (name: string, amount: number): void => void (out[name] = Math.max(out[name] ?? 0, amount));
  const sum: Record<string, number> = {};
  for (const container of spec?.containers ?? []) {
    for (const [name, amount] of Object.entries(containerRequests(container.resources))) sum[name] = (sum[name] ?? 0) + amount;
  }
  for (const [name, amount] of Object.entries(sum)) raise(name, amount);
  for (const container of spec?.initContainers ?? [])
    for (const [name, amount] of Object.entries(containerRequests(container.resources))) raise(name, amount);
  for (const name of POOL_RESOURCES) {
    const raw = spec?.overhead?.[name];
    const overhead = raw === undefined ? undefined : toBaseUnits(name, String(raw), 'up');
    if (overhead !== undefined && out[name] !== undefined) out[name] = (out[name] ?? 0) + overhead;
  }
  return out;
}

/**
 * The size of a workload's containers in the pool's resources: its pod template's requests, raised to
 * those of any live pod that requests more (during a rollout that changes requests, old and new pods
 * are both counted at the larger size, so the pool is never under-counted).
 */
export function workloadSize(
  template: V1PodSpec | undefined,
  pods: readonly V1Pod[],
  resources: readonly string[],
): Record<string, number> {
  const size = podRequests(template);
  for (const pod of pods) {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const requested = podRequests(pod.spec);
    for (const name of resources) if ((requested[name] ?? 0) > (size[name] ?? 0)) size[name] = requested[name] ?? 0;
  }
  return Object.fromEntries(resources.filter((name) => size[name] !== undefined).map((name) => [name, size[name] ?? 0]));
}

/** Why a template cannot be counted in a pool of these resources, naming the fix; undefined when it can. */
export function templateProblem(
  what: string,
  template: V1PodSpec | undefined,
  resources: readonly string[],
  capacity?: Resources,
): string | undefined {
  const size = podRequests(template);
  const missing = resources.filter((name) => !((size[name] ?? 0) > 0));
  if (missing.length > 0) {
    const names = missing.join(' and ');
    return (
      `${what} requests no ${names}, but capacity counts ${resources.join(' and ')}; ` +
      `set resources.requests.${missing[0]} in its pod template's containers (or use an integer capacity)`
    );
  }
  for (const name of resources) {
    const total = capacity?.[name];
    if (total !== undefined && (size[name] ?? 0) > total) {
      return (
        `${what} requests ${formatAmount(name, size[name] ?? 0)} ${name} per pod, ` +
        `more than the whole pool (capacity.${name}: ${formatAmount(name, total)}), so not one pod would ever start; ` +
        `lower its requests.${name} or raise capacity.${name}`
      );
    }
  }
  return undefined;
}

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function tolerates(tolerations: readonly V1Toleration[], taint: { key: string; value?: string | undefined; effect: string }): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

function matchesRequirement(labels: Readonly<Record<string, string>>, requirement: V1NodeSelectorRequirement): boolean {
  const value = labels[requirement.key];
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

/** Whether a pod with this spec may be scheduled on the node: Ready, schedulable, nodeSelector, required node affinity, taints. */
export function canRunOn(spec: V1PodSpec | undefined, node: V1Node): boolean {
  if (!isReady(node) || node.spec?.unschedulable) return false;
  const labels = node.metadata?.labels ?? {};
  if (spec?.nodeName && spec.nodeName !== node.metadata?.name) return false;
  for (const [key, value] of Object.entries(spec?.nodeSelector ?? {})) if (labels[key] !== value) return false;
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length > 0 && !terms.some((term) => (term.matchExpressions ?? []).every((r) => matchesRequirement(labels, r))))
    return false;
  const tolerations = spec?.tolerations ?? [];
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!tolerates(tolerations, taint)) return false;
  }
  return true;
}

/**
 * `capacity: auto`: the allocatable cpu and memory of the nodes that at least one service's pods can run
 * on, minus what the pods bound to those nodes request that are not the services' own (`isOwn`). Pools
 * round down, to whole millicores and bytes.
 */
export function autoPool(
  nodes: readonly V1Node[],
  pods: readonly V1Pod[],
  templates: readonly (V1PodSpec | undefined)[],
  isOwn: (pod: V1Pod) => boolean,
): { capacity: Record<string, number>; nodes: string[] } {
  const eligible = nodes.filter((node) => templates.some((template) => canRunOn(template, node)));
  const names = new Set(eligible.map((node) => node.metadata?.name ?? ''));
  const capacity: Record<string, number> = { cpu: 0, memory: 0 };
  for (const node of eligible) {
    for (const name of POOL_RESOURCES) {
      const raw = node.status?.allocatable?.[name];
      capacity[name] = (capacity[name] ?? 0) + (raw === undefined ? 0 : (toBaseUnits(name, String(raw), 'down') ?? 0));
    }
  }
  for (const pod of pods) {
    if (!names.has(pod.spec?.nodeName ?? '') || isOwn(pod)) continue;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const requested = podRequests(pod.spec);
    for (const name of POOL_RESOURCES) capacity[name] = (capacity[name] ?? 0) - (requested[name] ?? 0);
  }
  for (const name of POOL_RESOURCES) capacity[name] = Math.max(0, capacity[name] ?? 0);
  return { capacity, nodes: [...names].sort() };
}
