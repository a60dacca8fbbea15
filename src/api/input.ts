// What the API says about bad input: each problem names the field (a query parameter or a body key),
// the value as sent and the fix, in the config's form ("field: expected ..., got ...; fix"), and a 400
// carries every problem at once (`error` joins them, `problems` lists them), as the config does.
// Shared by the API's own routes and the routes other parts add.
import type { Context } from 'hono';

/** A value as sent, short enough to echo: JSON for JSON values, quoted for query text. */
export function shownValue(value: unknown): string {
  const text =
    value === undefined
      ? 'nothing'
      : typeof value === 'number' || typeof value === 'bigint'
        ? String(value)
        : String(JSON.stringify(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** 400 with every problem, joined in `error` and listed in `problems`. */
export function badRequest(c: Context, problems: readonly string[], prefix = ''): Response {
  return c.json({ error: `${prefix}${problems.join('; ')}`, problems }, 400);
}

/** JSON text parsed, or the problem: what was sent (its start), why it is not JSON, and an example of what is taken. */
export function parseJsonBody(text: string, example: string): { ok: true; body: unknown } | { ok: false; problem: string } {
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch (error) {
    const got = text.trim() === '' ? 'an empty body' : shownValue(text);
    const why = error instanceof SyntaxError ? ` (${error.message})` : '';
    return {
      ok: false,
      problem: `(body): expected JSON, got ${got}${why}; send a JSON object such as ${example} with Content-Type: application/json`,
    };
  }
}

/** The request body as JSON, or a 400 naming what was sent and giving an example of what is taken (`example`, a JSON text). */
export async function jsonBody(c: Context, example: string): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const parsed = parseJsonBody(await c.req.text(), example);
  return parsed.ok ? parsed : { ok: false, response: badRequest(c, [parsed.problem]) };
}
