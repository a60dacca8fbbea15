// Bearer-token check for the API's mutating routes. Without a configured token every mutation is
// refused: an agent that changes scaling for anyone who can reach its port is not a safe default.
import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';

export const TOKEN_ENV = 'MICROSCALE_API_TOKEN';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Middleware: passes only requests carrying `Authorization: Bearer <token>`. */
export function requireToken(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!token) {
      return c.json(
        {
          error:
            `changes are disabled: no API token is set. ` +
            `Start microscale with ${TOKEN_ENV}=<a long random string> in its environment and send it as "Authorization: Bearer <token>"`,
        },
        403,
      );
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match?.[1] || !sameToken(match[1].trim(), token)) {
      c.header('WWW-Authenticate', 'Bearer realm="microscale"');
      return c.json(
        {
          error:
            `${header ? 'wrong token' : 'no token'}: send "Authorization: ` +
            `Bearer <token>" with the value of ${TOKEN_ENV} the agent was started with`,
        },
        401,
      );
    }
    await next();
  };
}

/** Whether the request carries the right `Authorization: Bearer <token>` (never, when no token is set). */
export function hasToken(c: Context, token: string | undefined): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '');
  return Boolean(token && match?.[1] && sameToken(match[1].trim(), token));
}
