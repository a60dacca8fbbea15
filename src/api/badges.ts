// README badges served by the API (the MicroBadger part): GET /badges/<kind>/<ref>.svg for an SVG and
// /badges/<kind>/<ref>.json for shields.io endpoint JSON. Images are read through the same code as
// `microscale image` and cached briefly, since README viewers fetch a badge on every page view. A bad
// reference or a registry failure answers an error badge with a 4xx/5xx status, never a crash.
import type { Context, Hono } from 'hono';
import type { Agent } from '../agent/agent.js';
import { BADGE_KINDS, badgeFor, errorBadge, isBadgeKind, renderSvg, shieldsEndpoint, type Badge } from '../metadata/badge.js';
import { RegistryError, type RegistryFailure } from '../metadata/errors.js';
import type { ImageMetadata } from '../metadata/image.js';
import { parsePlatform, type Platform } from '../metadata/platform.js';
import { readImage } from '../metadata/read.js';
import { RegistryClient } from '../metadata/registry-client.js';
import { parseReference } from '../metadata/reference.js';
import type { MicroscaleConfig } from '../config/schema.js';
import type { RouteRegistrar } from './app.js';

type ReadFn = (reference: string, platform: Platform | undefined) => Promise<ImageMetadata>;

export interface BadgeRouteOptions {
  /** How long a read image is reused (default 60 s; failures 10 s). */
  readonly ttlMs?: number;
  readonly read?: ReadFn;
  readonly now?: () => number;
}

const STATUS: Readonly<Record<RegistryFailure, 400 | 403 | 404 | 429 | 502 | 504>> = {
  'bad-reference': 400,
  'no-platform': 404,
  'not-found': 404,
  auth: 403,
  timeout: 504,
  unreachable: 502,
  'bad-response': 502,
  'digest-mismatch': 502,
  'rate-limited': 429,
  'too-large': 502,
};

const SHORT: Readonly<Record<RegistryFailure, string>> = {
  'bad-reference': 'bad reference',
  'no-platform': 'no such platform',
  'not-found': 'not found',
  auth: 'access denied',
  timeout: 'registry timeout',
  unreachable: 'registry unreachable',
  'bad-response': 'registry error',
  'digest-mismatch': 'digest mismatch',
  'rate-limited': 'rate limited',
  'too-large': 'manifest too large',
};

const MAX_CACHED = 500;

function registryOf(reference: string): string | undefined {
  try {
    return parseReference(reference).registry;
  } catch {
    return undefined;
  }
}

/**
 * The registries the config names: the services' images, the images services read labels from
 * (`labelsFrom: {registry: IMAGE}` or `{engine: IMAGE}`) and the watched images (images:). A badge for any
 * other registry needs the API token, so the agent is not a port probe for whoever can reach it. Read from
 * the agent's config on each request, so a reload changes it at once.
 */
export function configuredRegistries(config: MicroscaleConfig): Set<string> {
  const images: unknown[] = [];
  for (const service of config.services) {
    images.push(service.engineOptions.image);
    if (typeof service.labelsFrom === 'object') images.push(...Object.values(service.labelsFrom));
  }
  for (const entry of config.images?.watch ?? []) images.push(typeof entry === 'string' ? entry : entry.image);
  return new Set(
    images.flatMap((image) => (typeof image === 'string' ? [registryOf(image)] : [])).filter((r): r is string => r !== undefined),
  );
}

function send(c: Context, format: 'svg' | 'json', badge: Badge, status: 200 | 400 | 403 | 404 | 429 | 500 | 502 | 504) {
  const cache = status === 200 ? 'public, max-age=300' : 'no-cache';
  if (format === 'json') return c.json(shieldsEndpoint(badge), status, { 'Cache-Control': cache });
  return c.body(renderSvg(badge), status, { 'Content-Type': 'image/svg+xml; charset=utf-8', 'Cache-Control': cache });
}

export function badgeRoutes(options: BadgeRouteOptions = {}): RouteRegistrar {
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const client = new RegistryClient({ timeoutMs: 5000 });
  const read: ReadFn = options.read ?? ((reference, platform) => readImage(reference, { client, ...(platform ? { platform } : {}) }));
  const cache = new Map<string, { expiresAtMs: number; image: Promise<ImageMetadata> }>();

  const cached = (reference: string, platform: Platform | undefined): Promise<ImageMetadata> => {
    const key = `${reference}\n${platform ? `${platform.os}/${platform.architecture}/${platform.variant ?? ''}` : ''}`;
    const hit = cache.get(key);
    if (hit && hit.expiresAtMs > now()) return hit.image;
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value ?? '');
    const entry = { expiresAtMs: now() + ttlMs, image: read(reference, platform) };
    entry.image.catch(() => (entry.expiresAtMs = Math.min(entry.expiresAtMs, now() + 10_000)));
    cache.set(key, entry);
    return entry.image;
  };

  const handle = async (c: Context, format: 'svg' | 'json', agent: Agent, hasToken: (c: Context) => boolean) => {
    const kind = c.req.param('kind') ?? '';
    const reference = (c.req.param('ref') ?? '').replace(/\.(svg|json)$/, '');
    if (!isBadgeKind(kind)) return send(c, format, errorBadge('badge', `unknown kind; use ${BADGE_KINDS.join(', ')}`), 404);
    const registry = registryOf(reference);
    if (registry !== undefined && !configuredRegistries(agent.config).has(registry) && !hasToken(c)) {
      return send(c, format, errorBadge(kind, 'registry not in config'), 403);
    }
    const platformText = c.req.query('platform');
    const platform = platformText === undefined ? undefined : parsePlatform(platformText);
    if (platformText !== undefined && !platform) return send(c, format, errorBadge(kind, 'bad platform'), 400);
    try {
      return send(c, format, badgeFor(kind, await cached(reference, platform)), 200);
    } catch (error) {
      if (error instanceof RegistryError) return send(c, format, errorBadge(kind, SHORT[error.failure]), STATUS[error.failure]);
      return send(c, format, errorBadge(kind, 'error'), 500);
    }
  };

  return (app: Hono, { agent, hasToken }) => {
    app.get('/badges/:kind/:ref{.+\\.svg}', (c) => handle(c, 'svg', agent, hasToken));
    app.get('/badges/:kind/:ref{.+\\.json}', (c) => handle(c, 'json', agent, hasToken));
  };
}
