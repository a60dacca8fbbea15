// `microscale image lint`: an image's labels against Docker's label key rules, label-schema.org 1.0,
// the OCI image annotations and microscale's own io.microscale.* keys. Errors fail a CI pipeline;
// warnings are advice.
import { closest } from '../config/issues.js';
import { CONVENTION_PAIRS, LABEL_SCHEMA_KEYS, LABEL_SCHEMA_PREFIX, OCI_KEYS, OCI_PREFIX, type ConventionPair } from './conventions.js';
import { readPolicyLabels } from './microscale-labels.js';

export interface LintFinding {
  readonly severity: 'error' | 'warning';
  readonly key: string;
  readonly rule: string;
  readonly message: string;
}

const RESERVED = ['com.docker.', 'io.docker.', 'org.dockerproject.'];
const KEY_FORMAT = /^[a-z0-9](?:[a-z0-9]|[.-](?=[a-z0-9]))*$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const SPDX = /^\(?[A-Za-z0-9.+-]+(?::[A-Za-z0-9.+-]+)?\)?(?:\s+(?:AND|OR|WITH)\s+\(?[A-Za-z0-9.+-]+(?::[A-Za-z0-9.+-]+)?\)?)*$/;
const LABEL_SCHEMA_VERSIONS = ['1.0', '1.0.0-rc.1', '1.0.0-rc1'];

function keyRules(key: string): LintFinding[] {
  const found: LintFinding[] = [];
  const reserved = RESERVED.find((prefix) => key.startsWith(prefix));
  if (reserved)
    found.push({
      severity: 'error',
      key,
      rule: 'docker-reserved',
      message: `the ${reserved}* namespace is reserved for Docker's own use; use the reverse DNS of a domain you own`,
    });
  if (!KEY_FORMAT.test(key)) {
    found.push({
      severity: 'error',
      key,
      rule: 'docker-key-format',
      message: 'a label key must be lowercase letters, digits, "." and "-", start and end with a letter or digit, with no ".." or "--"',
    });
  } else if (key === 'maintainer') {
    found.push({
      severity: 'warning',
      key,
      rule: 'deprecated-maintainer',
      message: 'MAINTAINER is deprecated; use org.opencontainers.image.authors',
    });
  } else if (!key.includes('.')) {
    found.push({
      severity: 'warning',
      key,
      rule: 'docker-reverse-dns',
      message: 'prefix the key with the reverse DNS of a domain you own (e.g. com.example.' + key + ') so it cannot clash',
    });
  }
  return found;
}

function formatProblem(pair: ConventionPair, value: string): string | undefined {
  if (pair.format === 'date' && !(RFC3339.test(value) && !Number.isNaN(Date.parse(value))))
    return `expected an RFC 3339 date-time like 2024-05-01T12:00:00Z, got ${JSON.stringify(value)}`;
  if (pair.format === 'url' && !URL.canParse(value)) return `expected an absolute URL, got ${JSON.stringify(value)}`;
  if (pair.format === 'digest' && !/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(value))
    return `expected a digest like sha256:<hex>, got ${JSON.stringify(value)}`;
  return undefined;
}

function conventionRules(all: Readonly<Record<string, string>>): LintFinding[] {
  const found: LintFinding[] = [];
  for (const [key, value] of Object.entries(all)) {
    const known = key.startsWith(OCI_PREFIX) ? OCI_KEYS : key.startsWith(LABEL_SCHEMA_PREFIX) ? LABEL_SCHEMA_KEYS : undefined;
    if (!known) continue;
    if (!known.includes(key)) {
      const guess = closest(key, known);
      const convention = key.startsWith(OCI_PREFIX) ? 'the OCI image annotations' : 'label-schema 1.0';
      found.push({
        severity: 'error',
        key,
        rule: 'unknown-convention-key',
        message: `not a key of ${convention}${guess ? `; did you mean ${guess}?` : ''}`,
      });
      continue;
    }
    const pair = CONVENTION_PAIRS.find((p) => p.oci === key || p.labelSchema === key);
    const problem = pair ? formatProblem(pair, value) : undefined;
    if (problem) found.push({ severity: 'error', key, rule: `format-${pair?.format}`, message: problem });
    if (pair?.format === 'spdx' && !SPDX.test(value.trim()))
      found.push({
        severity: 'warning',
        key,
        rule: 'format-spdx',
        message: `expected an SPDX license expression like Apache-2.0 or MIT OR Apache-2.0, got ${JSON.stringify(value)}`,
      });
  }
  return found;
}

function crossRules(labels: Readonly<Record<string, string>>, all: Readonly<Record<string, string>>): LintFinding[] {
  const found: LintFinding[] = [];
  const usesLabelSchema = Object.keys(labels).some((k) => k.startsWith(LABEL_SCHEMA_PREFIX));
  const version = labels[`${LABEL_SCHEMA_PREFIX}schema-version`];
  if (usesLabelSchema && !version)
    found.push({
      severity: 'error',
      key: `${LABEL_SCHEMA_PREFIX}schema-version`,
      rule: 'label-schema-version',
      message: 'label-schema requires org.label-schema.schema-version="1.0" when any org.label-schema.* label is set',
    });
  else if (version && !LABEL_SCHEMA_VERSIONS.includes(version))
    found.push({
      severity: 'error',
      key: `${LABEL_SCHEMA_PREFIX}schema-version`,
      rule: 'label-schema-version',
      message: `expected "1.0", got ${JSON.stringify(version)}`,
    });
  for (const pair of CONVENTION_PAIRS) {
    const oci = pair.oci ? all[pair.oci] : undefined;
    const ls = pair.labelSchema ? labels[pair.labelSchema] : undefined;
    if (oci === undefined || ls === undefined || oci === ls) continue;
    if (pair.format === 'date' && Date.parse(oci) === Date.parse(ls)) continue;
    found.push({
      severity: 'warning',
      key: `${pair.oci}`,
      rule: 'conventions-disagree',
      message: `${pair.oci}=${JSON.stringify(oci)} but ${pair.labelSchema}=${JSON.stringify(ls)}; they describe the same thing`,
    });
  }
  for (const field of ['source', 'revision', 'created']) {
    const pair = CONVENTION_PAIRS.find((p) => p.field === field);
    if (pair && !(pair.oci && pair.oci in all) && !(pair.labelSchema && pair.labelSchema in labels)) {
      found.push({
        severity: 'warning',
        key: pair.oci ?? field,
        rule: 'recommended',
        message: `not set; add ${pair.oci} so the image can be traced to its ${field === 'created' ? 'build' : 'code'}`,
      });
    }
  }
  return found;
}

/** Every finding for an image's labels (and manifest annotations, which follow the OCI keys only). */
export function lintLabels(labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>> = {}): LintFinding[] {
  const all = { ...annotations, ...labels };
  const findings = [...Object.keys(labels).flatMap(keyRules), ...conventionRules(all), ...crossRules(labels, all)];
  for (const { label, message } of readPolicyLabels(labels).problems) {
    findings.push({ severity: 'error', key: label, rule: 'microscale-policy', message });
  }
  const order = (f: LintFinding) => (f.severity === 'error' ? 0 : 1);
  return findings.sort((a, b) => order(a) - order(b) || a.key.localeCompare(b.key));
}
