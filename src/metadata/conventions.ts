// The two label conventions, side by side: label-schema.org 1.0 (org.label-schema.*, MicroBadger's era)
// and its successor, the OCI image annotations (org.opencontainers.image.*, also used as labels).
export interface ConventionPair {
  /** A short name shown to users ("created", "source", ...). */
  readonly field: string;
  readonly oci: string | undefined;
  readonly labelSchema: string | undefined;
  /** How a value must look, checked by lint. */
  readonly format: 'text' | 'url' | 'date' | 'spdx' | 'digest';
}

const OCI = 'org.opencontainers.image.';
const LS = 'org.label-schema.';

export const CONVENTION_PAIRS: readonly ConventionPair[] = [
  { field: 'created', oci: `${OCI}created`, labelSchema: `${LS}build-date`, format: 'date' },
  { field: 'title', oci: `${OCI}title`, labelSchema: `${LS}name`, format: 'text' },
  { field: 'description', oci: `${OCI}description`, labelSchema: `${LS}description`, format: 'text' },
  { field: 'version', oci: `${OCI}version`, labelSchema: `${LS}version`, format: 'text' },
  { field: 'revision', oci: `${OCI}revision`, labelSchema: `${LS}vcs-ref`, format: 'text' },
  { field: 'source', oci: `${OCI}source`, labelSchema: `${LS}vcs-url`, format: 'url' },
  { field: 'url', oci: `${OCI}url`, labelSchema: `${LS}url`, format: 'url' },
  { field: 'documentation', oci: `${OCI}documentation`, labelSchema: `${LS}usage`, format: 'url' },
  { field: 'vendor', oci: `${OCI}vendor`, labelSchema: `${LS}vendor`, format: 'text' },
  { field: 'authors', oci: `${OCI}authors`, labelSchema: undefined, format: 'text' },
  { field: 'licenses', oci: `${OCI}licenses`, labelSchema: undefined, format: 'spdx' },
  { field: 'ref.name', oci: `${OCI}ref.name`, labelSchema: undefined, format: 'text' },
  { field: 'base.name', oci: `${OCI}base.name`, labelSchema: undefined, format: 'text' },
  { field: 'base.digest', oci: `${OCI}base.digest`, labelSchema: undefined, format: 'digest' },
  { field: 'schema-version', oci: undefined, labelSchema: `${LS}schema-version`, format: 'text' },
];

/** label-schema 1.0 keys with no OCI counterpart (run hints for docker and rkt). */
export const LABEL_SCHEMA_EXTRA = [
  'docker.cmd',
  'docker.cmd.devel',
  'docker.cmd.test',
  'docker.cmd.debug',
  'docker.cmd.help',
  'docker.params',
  'rkt.cmd',
  'rkt.cmd.devel',
  'rkt.cmd.test',
  'rkt.cmd.debug',
  'rkt.cmd.help',
  'rkt.params',
].map((k) => `${LS}${k}`);

export const OCI_KEYS = CONVENTION_PAIRS.flatMap((p) => (p.oci ? [p.oci] : []));
export const LABEL_SCHEMA_KEYS = [...CONVENTION_PAIRS.flatMap((p) => (p.labelSchema ? [p.labelSchema] : [])), ...LABEL_SCHEMA_EXTRA];
export const OCI_PREFIX = OCI;
export const LABEL_SCHEMA_PREFIX = LS;

export interface SideBySideRow {
  readonly field: string;
  readonly oci: { key: string; value: string | undefined } | undefined;
  readonly labelSchema: { key: string; value: string | undefined } | undefined;
}

/** One row per field either convention sets; OCI values come from labels or, failing that, annotations. */
export function sideBySide(labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>> = {}): SideBySideRow[] {
  const rows: SideBySideRow[] = [];
  for (const pair of CONVENTION_PAIRS) {
    const ociValue = pair.oci ? (labels[pair.oci] ?? annotations[pair.oci]) : undefined;
    const lsValue = pair.labelSchema ? labels[pair.labelSchema] : undefined;
    if (ociValue === undefined && lsValue === undefined) continue;
    rows.push({
      field: pair.field,
      oci: pair.oci ? { key: pair.oci, value: ociValue } : undefined,
      labelSchema: pair.labelSchema ? { key: pair.labelSchema, value: lsValue } : undefined,
    });
  }
  return rows;
}

/** The first value either convention gives for a field (OCI first, as the newer one). */
export function conventionValue(
  field: string,
  labels: Readonly<Record<string, string>>,
  annotations: Readonly<Record<string, string>> = {},
): string | undefined {
  const pair = CONVENTION_PAIRS.find((p) => p.field === field);
  if (!pair) return undefined;
  return (pair.oci ? (labels[pair.oci] ?? annotations[pair.oci]) : undefined) ?? (pair.labelSchema ? labels[pair.labelSchema] : undefined);
}
