// 405 Method Not Allowed (RFC 9110 §15.5.6): a path that some route takes, asked with a method none of
// its routes takes, answers 405 with an Allow header listing the methods it takes, and an OPTIONS
// request 204 with the same header. Found by matching the path against every route of the app (the ones
// other parts add included), whatever its method; a path no route takes stays a 404.
//
// It answers before any route's own middleware runs, the token check included: the route table is public
// (docs/dashboard.md), a 401 on the right method already shows that the route exists, and a wrong method
// runs no handler, so a 405 tells nothing a 401 hides. The guards every request passes (allowed Host, body
// limit) still come first.
import type { Context, Hono } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';

const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The methods some route of `app` takes on a path ([] when no route takes the path), in the usual order. */
export function allowedMethods(app: Hono): (path: string) => string[] {
  let built: { count: number; router: TrieRouter<string> } | undefined;
  return (path) => {
    if (built?.count !== app.routes.length) {
      const router = new TrieRouter<string>();
      // Each route under every method, its handler its own method: one match gives every method of the path.
      for (const route of app.routes) if (route.method !== 'ALL') router.add('ALL', route.path, route.method.toUpperCase());
      built = { count: app.routes.length, router };
    }
    const methods = new Set(built.router.match('GET', path)[0].map(([method]) => method));
    if (methods.size === 0) return [];
    if (methods.has('GET')) methods.add('HEAD'); // Hono answers HEAD with the GET route, body dropped
    methods.add('OPTIONS');
    return [...ORDER.filter((m) => methods.has(m)), ...[...methods].filter((m) => !ORDER.includes(m)).sort()];
  };
}

/** The app's not-found handler: 405 or (OPTIONS) 204 with Allow for a path some route takes, else 404. */
export function notFoundOrNotAllowed(app: Hono): (c: Context) => Response {
  const allowed = allowedMethods(app);
  return (c) => {
    const { method, path } = c.req;
    const allow = allowed(path);
    if (allow.length === 0) return c.json({ error: `no route ${method} ${path}; see docs/dashboard.md for the API` }, 404);
    c.header('Allow', allow.join(', '));
    if (method === 'OPTIONS') return c.body(null, 204);
    const takes = allow.filter((m) => m !== 'HEAD' && m !== 'OPTIONS');
    return c.json(
      {
        error:
          `method ${method} is not allowed on ${path}: it takes ${takes.join(', ')}; ` +
          `send ${takes.length === 1 ? 'a' : 'one of'} ${takes.join(' or ')} request (see docs/dashboard.md for the API)`,
        allow,
      },
      405,
    );
  };
}
