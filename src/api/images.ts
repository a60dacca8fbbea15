// The image watch in the API: GET /api/images (every watched tag), GET /api/images/{ref} (one tag:
// metadata, grouped labels, lint, badge Markdown, digest history with label diffs), GET /api/deliveries
// (webhook deliveries, their attempts and outcomes) and POST /api/registry/events, where docker-registry's
// notifications arrive. That route is authenticated by the shared secret the registry's endpoint config
// sends in X-Microscale-Secret (not the API token, which a registry should not hold); a bad or missing
// secret is a 401 and nothing is recorded, a malformed body a 400.
import { timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { LABEL_SCHEMA_PREFIX, OCI_PREFIX } from '../metadata/conventions.js';
import { lintLabels } from '../metadata/lint.js';
import { diffLabels } from '../metadata/watch/diff.js';
import { parseRegistryEvents } from '../metadata/watch/push.js';
import type { ImageWatchView } from '../metadata/watch/status.js';
import type { TagState } from '../metadata/watch/store.js';
import type { RouteRegistrar } from './app.js';
import { badRequest, parseJsonBody } from './input.js';

export const EVENTS_SECRET_HEADER = 'X-Microscale-Secret';
const MAX_EVENTS_BODY = 1024 * 1024;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function groupLabels(
  labels: Readonly<Record<string, string>>,
): Record<'oci' | 'labelSchema' | 'microscale' | 'other', Record<string, string>> {
  const groups = { oci: {}, labelSchema: {}, microscale: {}, other: {} } as Record<
    'oci' | 'labelSchema' | 'microscale' | 'other',
    Record<string, string>
  >;
  for (const [key, value] of Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))) {
    const group = key.startsWith(OCI_PREFIX)
      ? 'oci'
      : key.startsWith(LABEL_SCHEMA_PREFIX)
        ? 'labelSchema'
        : key.startsWith('io.microscale.')
          ? 'microscale'
          : 'other';
    groups[group][key] = value;
  }
  return groups;
}

function summary(watch: ImageWatchView, state: TagState) {
  const problem = watch.status.problems.get(state.key);
  return {
    reference: state.key,
    image: state.image,
    tag: state.tag,
    digest: state.digest,
    created: state.snapshot?.created ?? null,
    size: state.snapshot?.size ?? null,
    layers: state.snapshot?.layers.length ?? null,
    platforms: state.snapshot?.platforms ?? [],
    labels: Object.keys(state.snapshot?.labels ?? {}).length,
    seenAt: state.seenAtMs > 0 ? new Date(state.seenAtMs).toISOString() : null,
    versions: state.history.length,
    problem: problem ? { failure: problem.failure, message: problem.message, at: new Date(problem.atMs).toISOString() } : null,
  };
}

/** Every tag seen, plus watched tags never read yet (their problem says why), by reference. */
function allTags(watch: ImageWatchView): TagState[] {
  const tags = new Map(watch.store.tags);
  for (const target of watch.status.targets) {
    if (target.kind === 'tag' && !tags.has(target.key)) {
      tags.set(target.key, {
        key: target.key,
        image: `${target.ref.registry}/${target.ref.repository}`,
        tag: target.ref.tag ?? 'latest',
        digest: null,
        snapshot: undefined,
        seenAtMs: 0,
        history: [],
      });
    }
  }
  return [...tags.values()].sort((a, b) => a.key.localeCompare(b.key));
}

function origin(c: Context): string {
  const url = new URL(c.req.url);
  return `${url.protocol}//${url.host}/`;
}

function detail(watch: ImageWatchView, state: TagState, base: string) {
  const labels = state.snapshot?.labels ?? {};
  const ref = encodeURIComponent(state.key);
  const badges = ['version', 'commit', 'image', 'license'].map(
    (kind) => `[![${kind}](${base}badges/${kind}/${state.key}.svg)](${base}api/images/${ref})`,
  );
  const history = state.history.map((entry, i) => {
    const before = state.history[i - 1];
    return {
      digest: entry.digest,
      at: new Date(entry.atMs).toISOString(),
      via: entry.via,
      created: entry.created ?? null,
      labels: before ? diffLabels(before.labels, entry.labels) : null,
    };
  });
  return {
    ...summary(watch, state),
    tags: [...watch.store.tags.values()].filter((t) => t.image === state.image).map((t) => ({ tag: t.tag, digest: t.digest })),
    mediaType: state.snapshot?.mediaType ?? null,
    platform: state.snapshot?.platform ?? null,
    layers: state.snapshot?.layers ?? [],
    labels: groupLabels(labels),
    annotations: state.snapshot?.annotations ?? {},
    lint: lintLabels(labels, state.snapshot?.annotations ?? {}),
    badgeMarkdown: badges.join(' '),
    history: history.reverse(),
  };
}

function deliveries(watch: ImageWatchView) {
  return [...watch.store.deliveries.values()]
    .sort((a, b) => b.createdAtMs - a.createdAtMs)
    .map((d) => ({
      id: d.id,
      event: d.event,
      reference: d.reference,
      target: d.target,
      createdAt: new Date(d.createdAtMs).toISOString(),
      outcome: d.outcome,
      reason: d.reason ?? null,
      doneAt: d.doneAtMs === undefined ? null : new Date(d.doneAtMs).toISOString(),
      attempts: d.attempts.map((a) => ({
        at: new Date(a.atMs).toISOString(),
        durationMs: a.durationMs,
        status: a.status ?? null,
        error: a.error ?? null,
      })),
    }));
}

/** A RouteRegistrar (it needs no agent, so `image watch` serves it alone too). */
export function imageRoutes(watch: ImageWatchView): RouteRegistrar & ((app: Hono) => void) {
  return (app: Hono) => {
    app.get('/api/images', (c) =>
      c.json({
        images: allTags(watch).map((s) => summary(watch, s)),
        watching: watch.status.targets.map((t) => ({
          reference: t.key,
          kind: t.kind,
          ...(t.kind === 'pattern' ? { matching: watch.status.patternTags.get(t.key) ?? [] } : {}),
          problem: watch.status.problems.get(t.key)?.message ?? null,
        })),
        registries: Object.fromEntries(
          [...watch.status.gates.entries()].map(([host, g]) => [
            host,
            {
              failures: g.failures,
              blockedUntil: g.blockedUntilMs > Date.now() ? new Date(g.blockedUntilMs).toISOString() : null,
              lastError: g.lastError ?? null,
            },
          ]),
        ),
        intervalMs: watch.config.interval,
        push: watch.config.eventsSecret !== undefined,
        policy: watch.policyEvents.map((e) => ({ ...e, at: new Date(e.atMs).toISOString() })).reverse(),
        deliveries: {
          pending: watch.store.pending().length,
          failed: [...watch.store.deliveries.values()].filter((d) => d.outcome === 'failed').length,
        },
      }),
    );
    app.get('/api/images/:ref{.+}', (c) => {
      const ref = decodeURIComponent(c.req.param('ref'));
      const state =
        allTags(watch).find((t) => t.key === ref) ?? allTags(watch).find((t) => t.key.endsWith(`/${ref}`) || `${t.image}:${t.tag}` === ref);
      if (!state)
        return c.json(
          {
            error:
              `${ref} is not a watched image tag; ` +
              `GET /api/images lists them (use the full reference, e.g. 127.0.0.1:5000/demo/app:v1)`,
          },
          404,
        );
      return c.json(detail(watch, state, origin(c)));
    });
    app.get('/api/deliveries', (c) => c.json({ deliveries: deliveries(watch) }));
    app.post('/api/registry/events', async (c) => {
      const secret = watch.config.eventsSecret;
      if (!secret)
        return c.json(
          {
            error:
              'registry notifications are off: set images.eventsSecret in the config ' +
              'and the same value in the registry endpoint headers (X-Microscale-Secret)',
          },
          403,
        );
      const given = c.req.header(EVENTS_SECRET_HEADER);
      if (!given || !sameSecret(given, secret)) {
        return c.json(
          {
            error:
              `${given ? 'wrong' : 'no'} secret: the registry's notifications endpoint must ` +
              `send header ${EVENTS_SECRET_HEADER} with the value of images.eventsSecret`,
          },
          401,
        );
      }
      const text = await c.req.text();
      if (text.length > MAX_EVENTS_BODY)
        return c.json({ error: `body of ${text.length} bytes is over the ${MAX_EVENTS_BODY} byte limit` }, 413);
      const body = parseJsonBody(text, '{"events": [...]} as docker-registry sends');
      if (!body.ok) return badRequest(c, [body.problem]);
      const events = parseRegistryEvents(body.body);
      if (typeof events === 'string') return c.json({ error: events }, 400);
      // Answer at once (the registry's sender waits on us); the check reads the registry itself.
      void watch.onRegistryEvents(events);
      return c.json({ accepted: events.length }, 202);
    });
  };
}
