// Amounts of resources (a pool in CPU and memory, the size of one container) and the Kubernetes quantity
// syntax they are written in ("500m", "0.5", "16Gi", "1e3"). Amounts are whole numbers in base units:
// cpu in millicores, memory in bytes, so sums and comparisons are exact. Written by hand: the quantity
// grammar is small, and the one library that parses it (@kubernetes/client-node) is not for the pure core.

/** Amounts by resource name, in whole base units: `cpu` in millicores, `memory` in bytes. */
export type Resources = Readonly<Record<string, number>>;

/** The resources a pool may be written in, with their base unit. */
export const RESOURCE_NAMES = ['cpu', 'memory'] as const;
export type ResourceName = (typeof RESOURCE_NAMES)[number];

const DECIMAL_SUFFIX: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]?))$/;

/**
 * A Kubernetes quantity as a number of units ("500m" → 0.5, "16Gi" → 17179869184, "1e3" → 1000), or
 * undefined when it is not one. YAML numbers are taken as they are.
 */
export function quantityValue(raw: string | number): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  const match = QUANTITY.exec(raw.trim());
  if (!match) return undefined;
  const [, sign = '', digits = '', exponent, binary, decimal] = match;
  const mantissa = Number(`${sign}${digits}`);
  if (binary) return mantissa * 2 ** (BINARY_SUFFIX[binary] ?? 0);
  const power = exponent ? Number(exponent.slice(1)) : (DECIMAL_SUFFIX[decimal ?? ''] ?? 0);
  // Scale by the power of ten through the decimal string, so "0.1" CPU is exactly 100 millicores.
  return Number(`${sign}${digits}e${power}`);
}

/** Base units per unit of each resource: cpu is counted in millicores. */
const BASE_PER_UNIT: Readonly<Record<string, number>> = { cpu: 1000, memory: 1 };

/**
 * A quantity of one resource in whole base units. `round: 'up'` for what a container takes (never
 * under-count it), `'down'` for what a pool holds (never over-state it).
 */
export function toBaseUnits(resource: string, raw: string | number, round: 'up' | 'down'): number | undefined {
  const value = quantityValue(raw);
  if (value === undefined) return undefined;
  const scaled = value * (BASE_PER_UNIT[resource] ?? 1);
  // Ignore float noise below a millionth of a base unit before rounding.
  const nearest = Math.round(scaled);
  if (Math.abs(scaled - nearest) < 1e-6) return nearest;
  return round === 'up' ? Math.ceil(scaled) : Math.floor(scaled);
}

/** An amount for people: cpu in cores ("2", "0.5"), memory with a binary suffix ("1.5Gi"). */
export function formatAmount(resource: string, amount: number): string {
  if (resource === 'cpu') return `${Number((amount / 1000).toFixed(3))}`;
  if (resource === 'memory') {
    for (const [suffix, bits] of [
      ['Gi', 30],
      ['Mi', 20],
      ['Ki', 10],
    ] as const) {
      if (Math.abs(amount) >= 2 ** bits) return `${Number((amount / 2 ** bits).toFixed(2))}${suffix}`;
    }
  }
  return String(amount);
}

/** "cpu 2, memory 1.5Gi": every resource of `names` that `amounts` holds. */
export function formatResources(amounts: Resources, names: readonly string[] = Object.keys(amounts)): string {
  return names.map((name) => `${name} ${formatAmount(name, amounts[name] ?? 0)}`).join(', ');
}

/** An amount in the unit people and Prometheus use: cpu in cores, memory in bytes. */
export function inDisplayUnits(resource: string, amount: number): number {
  return amount / (BASE_PER_UNIT[resource] ?? 1);
}

/** count × size, resource by resource. */
export function times(size: Resources, count: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, amount] of Object.entries(size)) out[name] = amount * count;
  return out;
}

/** The sum of many amounts, over the resources of `names`. */
export function sumOf(amounts: readonly Resources[], names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(names.map((name) => [name, 0]));
  for (const amount of amounts) for (const name of names) out[name] = (out[name] ?? 0) + (amount[name] ?? 0);
  return out;
}

/**
 * Why a container of `size` cannot be scheduled on a pool of `capacity`, or undefined when it can: a
 * resource of the pool it does not state, or states as zero or less, or needs more of than the pool has.
 */
export function sizeProblem(size: Resources, capacity: Resources): string | undefined {
  for (const [name, total] of Object.entries(capacity)) {
    const amount = size[name];
    if (amount === undefined || !(amount > 0)) return `requests no ${name}, but the pool is counted in ${name}`;
    if (amount > total)
      return `needs ${formatAmount(name, amount)} ${name} per container, more than the whole pool (${formatAmount(name, total)})`;
  }
  return undefined;
}
