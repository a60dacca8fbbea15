// README badges for an image, as a flat SVG (the shields.io look) or as shields.io "endpoint" JSON
// (https://shields.io/badges/endpoint-badge). All text placed in the SVG is XML-escaped: labels come from
// whoever built the image.
import { createHash } from 'node:crypto';
import { conventionValue } from './conventions.js';
import type { ImageMetadata } from './image.js';

export const BADGE_KINDS = ['image', 'version', 'commit', 'license', 'labels'] as const;
export type BadgeKind = (typeof BADGE_KINDS)[number];

export interface Badge {
  readonly label: string;
  readonly message: string;
  /** A hex colour without "#". */
  readonly color: string;
  readonly isError: boolean;
}

const COLORS = { ok: '007ec6', good: '4c1', missing: '9f9f9f', error: 'e05d44' } as const;

export function isBadgeKind(text: string): text is BadgeKind {
  return (BADGE_KINDS as readonly string[]).includes(text);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function badgeFor(kind: BadgeKind, image: ImageMetadata): Badge {
  const { labels, annotations } = image;
  const found = (message: string | undefined, color: string = COLORS.ok): Badge =>
    message ? { label: kind, message, color, isError: false } : { label: kind, message: 'not set', color: COLORS.missing, isError: false };
  switch (kind) {
    case 'image':
      return found(`${formatBytes(image.size)} · ${image.layers.length} layer${image.layers.length === 1 ? '' : 's'}`);
    case 'version':
      return found(conventionValue('version', labels, annotations) ?? image.name.match(/:([\w][\w.-]*)(?:@|$)/)?.[1]);
    case 'commit':
      return found(conventionValue('revision', labels, annotations)?.slice(0, 7));
    case 'license':
      return found(conventionValue('licenses', labels, annotations), COLORS.good);
    case 'labels':
      return found(String(Object.keys(labels).length));
  }
}

export function errorBadge(label: string, message: string): Badge {
  return { label, message, color: COLORS.error, isError: true };
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** Approximate width of Verdana 11px text, the shields.io font, with narrow and wide glyphs adjusted. */
function textWidth(text: string): number {
  let width = 0;
  // Erring wide: a badge a few pixels too roomy looks fine, clipped text does not (DejaVu is wider).
  for (const char of text)
    width += /[il.,:;|!'I1]/.test(char)
      ? 4
      : char === ' '
        ? 4.5
        : /[mwMW@%]/.test(char)
          ? 11.5
          : /[A-Z]/.test(char)
            ? 8.8
            : /[0-9]/.test(char)
              ? 7.6
              : 7;
  return Math.ceil(width);
}

/**
 * Badge text without what XML 1.0 forbids or a reader cannot see: control characters (C0 and C1; tabs
 * and newlines become spaces), lone surrogates and U+FFFE/U+FFFF. Labels come from whoever built the image.
 */
export function printable(text: string): string {
  return (
    text
      .replace(/[\t\n\r]/g, ' ')
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
  );
}

function clip(text: string, max = 60): string {
  const shown = printable(text);
  if (shown.length <= max) return shown;
  // Never cut a surrogate pair in two.
  const cut = /[\ud800-\udbff]/.test(shown[max - 2] ?? '') ? max - 2 : max - 1;
  return `${shown.slice(0, cut)}…`;
}

export function renderSvg(badge: Badge): string {
  const label = clip(badge.label);
  const message = clip(badge.message);
  const left = textWidth(label) + 10;
  const right = textWidth(message) + 10;
  const total = left + right;
  const title = escapeXml(`${label}: ${message}`);
  // Ids unique per badge, so several badges inlined in one HTML page do not share a clip path.
  const id = createHash('sha1').update(`${label}\n${message}\n${badge.color}`).digest('hex').slice(0, 8);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    `<linearGradient id="s${id}" x2="0" y2="100%">` +
      '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>',
    `<clipPath id="r${id}"><rect width="${total}" height="20" rx="3" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#r${id})"><rect width="${left}" height="20" fill="#555"/>` +
      `<rect x="${left}" width="${right}" height="20" fill="#${badge.color}"/><rect width="${total}" height="20" fill="url(#s${id})"/></g>`,
    '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">',
    `<text x="${left / 2}" y="15" fill="#010101" fill-opacity=".3">${escapeXml(label)}</text>` +
      `<text x="${left / 2}" y="14">${escapeXml(label)}</text>`,
    `<text x="${left + right / 2}" y="15" fill="#010101" fill-opacity=".3">${escapeXml(message)}</text>` +
      `<text x="${left + right / 2}" y="14">${escapeXml(message)}</text>`,
    '</g></svg>',
    '',
  ].join('\n');
}

/** shields.io endpoint JSON: https://img.shields.io/endpoint?url=<this URL> renders it. */
export function shieldsEndpoint(badge: Badge): { schemaVersion: 1; label: string; message: string; color: string; isError: boolean } {
  return { schemaVersion: 1, label: printable(badge.label), message: printable(badge.message), color: badge.color, isError: badge.isError };
}
