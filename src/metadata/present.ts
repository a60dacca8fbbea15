// The human-readable views of `microscale image inspect` and `image lint`.
import { formatBytes } from './badge.js';
import { sideBySide } from './conventions.js';
import type { ImageMetadata } from './image.js';
import type { LintFinding } from './lint.js';

function section(title: string, lines: readonly string[]): string[] {
  return lines.length === 0 ? [`${title}: none`] : [`${title}:`, ...lines.map((l) => `  ${l}`)];
}

export function describeImage(image: ImageMetadata): string {
  const others = image.platforms.length > 1 ? ` (of ${image.platforms.join(', ')})` : '';
  const head = [
    `image:     ${image.name} (from ${image.source})`,
    `digest:    ${image.digest}`,
    ...(image.manifestDigest !== image.digest ? [`manifest:  ${image.manifestDigest}`] : []),
    `type:      ${image.mediaType}`,
    `platform:  ${image.platform}${others}`,
    `created:   ${image.created ?? 'unknown'}`,
    `size:      ${formatBytes(image.size)} in ${image.layers.length} layer${image.layers.length === 1 ? '' : 's'}`,
  ];
  const layers = image.layers.map((l) => `${l.digest}  ${l.size > 0 ? formatBytes(l.size) : ''}`.trimEnd());
  const labels = Object.entries(image.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  const annotations = Object.entries(image.annotations)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  const rows = sideBySide(image.labels, image.annotations);
  const width = Math.max(0, ...rows.map((r) => r.field.length));
  const pairs = rows.map((r) => {
    const oci = r.oci ? `${r.oci.key}=${r.oci.value ?? '(unset)'}` : '(no OCI key)';
    const ls = r.labelSchema ? `${r.labelSchema.key}=${r.labelSchema.value ?? '(unset)'}` : '(no label-schema key)';
    return `${r.field.padEnd(width)}  ${oci}  |  ${ls}`;
  });
  return [
    ...head,
    ...section('layers', layers),
    ...section('labels', labels),
    ...section('annotations', annotations),
    ...section('conventions (OCI | label-schema)', pairs),
  ].join('\n');
}

export function describeLint(name: string, findings: readonly LintFinding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const lines = findings.map((f) => `${f.severity.padEnd(7)} ${f.key}: ${f.message} [${f.rule}]`);
  const verdict =
    `${name}: ${errors} error${errors === 1 ? '' : 's'}, ` +
    `${findings.length - errors} warning${findings.length - errors === 1 ? '' : 's'}`;
  return [...lines, verdict].join('\n');
}
