// The `auth:` and `headers:` keys shared by the HTTP-based sources (http, prometheus), and how they become
// request headers. Secrets come from ${ENV} or ${file:...} (substituted before validation); the values
// are also returned as a list so error messages can scrub them.
import { z } from 'zod';
import { nonEmptyString } from '../../config/fields.js';

const bearerSchema = z.object({ bearer: nonEmptyString('a token, e.g. ${API_TOKEN}') }).strict();
const basicSchema = z
  .object({
    basic: z
      .object({ username: nonEmptyString('a user name'), password: z.string({ invalid_type_error: 'expected a password string' }) })
      .strict(),
  })
  .strict();

export const authSchema = z.union([bearerSchema, basicSchema], {
  errorMap: () => ({ message: 'expected {bearer: TOKEN} or {basic: {username: U, password: P}}' }),
});

export const headersSchema = z.record(z.string({ invalid_type_error: 'expected a header value string' }), {
  invalid_type_error: 'expected a map of header name to value',
});

export type AuthConfig = z.infer<typeof authSchema>;

/** The request headers for `auth` and `headers` (explicit headers win). */
export function authHeaders(auth: AuthConfig | undefined, headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (auth && 'bearer' in auth) out.authorization = `Bearer ${auth.bearer}`;
  if (auth && 'basic' in auth)
    out.authorization = `Basic ${Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64')}`;
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

/** Every value that must never appear in a message: tokens, passwords, header values, URL passwords. */
export function secretsOf(auth: AuthConfig | undefined, headers: Readonly<Record<string, string>> | undefined, url?: string): string[] {
  const secrets = Object.values(headers ?? {});
  if (auth && 'bearer' in auth) secrets.push(auth.bearer);
  if (auth && 'basic' in auth) secrets.push(auth.basic.password);
  if (url && URL.canParse(url)) {
    const password = new URL(url).password;
    if (password) secrets.push(password, decodeURIComponent(password));
  }
  return secrets;
}
