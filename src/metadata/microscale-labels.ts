// microscale's own image labels: a service may take its policy from its image. Each value is checked by
// the very zod piece the config file uses for the same key, so a label and a YAML value mean the same.
//   io.microscale.priority = "2"               (integer >= 1; 1 is most urgent)
//   io.microscale.min      = "1"               (integer >= 0)
//   io.microscale.max      = "9"               (integer >= 0)
//   io.microscale.target   = "queueLength=50" | "perContainer=20" | "remainder" | "direct"
import type { z } from 'zod';
import { baseServiceShape } from '../config/schema.js';
import { formatIssues } from '../config/issues.js';

export const MICROSCALE_PREFIX = 'io.microscale.';

export const POLICY_KEYS = ['priority', 'min', 'max', 'target'] as const;
export type PolicyKey = (typeof POLICY_KEYS)[number];

export const MICROSCALE_LABELS: Readonly<Record<PolicyKey, string>> = {
  priority: 'io.microscale.priority',
  min: 'io.microscale.min',
  max: 'io.microscale.max',
  target: 'io.microscale.target',
};

const schemas: Readonly<Record<PolicyKey, z.ZodTypeAny>> = {
  priority: baseServiceShape.priority,
  min: baseServiceShape.min,
  max: baseServiceShape.max,
  target: baseServiceShape.target,
};

/** The YAML form of a label value: "50" → 50, "queueLength=50" → {queueLength: 50}, "remainder" stays. */
function toYamlValue(key: PolicyKey, text: string): unknown {
  const trimmed = text.trim();
  if (key !== 'target') return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
  const pair = /^(\w+)\s*[=:]\s*(.+)$/.exec(trimmed);
  if (!pair) return trimmed;
  const [, name = '', value = ''] = pair;
  return { [name]: /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : value.trim() };
}

export interface LabelPolicy {
  /** Values in the config file's YAML form, ready to stand in for a missing key. */
  readonly values: Partial<Record<PolicyKey, unknown>>;
  /** One per bad or unknown io.microscale.* label: the label, and what is wrong with its value. */
  readonly problems: readonly { readonly label: string; readonly message: string }[];
}

export function readPolicyLabels(labels: Readonly<Record<string, string>>): LabelPolicy {
  const values: Partial<Record<PolicyKey, unknown>> = {};
  const problems: { label: string; message: string }[] = [];
  for (const [label, text] of Object.entries(labels)) {
    if (!label.startsWith(MICROSCALE_PREFIX)) continue;
    const key = POLICY_KEYS.find((k) => MICROSCALE_LABELS[k] === label);
    if (!key) {
      problems.push({ label, message: `unknown microscale label; expected one of ${Object.values(MICROSCALE_LABELS).join(', ')}` });
      continue;
    }
    const value = toYamlValue(key, text);
    const result = (schemas[key] as z.ZodTypeAny).safeParse(value);
    if (result.success && value !== undefined) values[key] = value;
    else if (!result.success) {
      const hint = key === 'target' ? ' (as a label: remainder, direct, queueLength=N or perContainer=N)' : '';
      for (const line of formatIssues(result.error.issues, value)) {
        problems.push({
          label,
          message: `${line.replace(/^\(root\): /, '').replace(/, got .*$/, '')}, got ${JSON.stringify(text)}${hint}`,
        });
      }
    }
  }
  return { values, problems };
}
