// The registry auth handshake (distribution token spec): a 401 carries a WWW-Authenticate challenge,
// Basic (send the credentials) or Bearer (ask the realm for a token for the scope, anonymously or with
// Basic credentials). Tokens are cached per realm, service, scope and user until shortly before expiry.
import type { Credentials } from './credentials.js';

export interface Challenge {
  readonly scheme: 'basic' | 'bearer';
  readonly params: Readonly<Record<string, string>>;
}

/** Parses `Bearer realm="https://…/token",service="registry",scope="repository:a/b:pull"`. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  const scheme = match?.[1]?.toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  const pattern = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const [, key, quoted, bare] of (match?.[2] ?? '').matchAll(pattern)) {
    if (key) params[key.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
  }
  return { scheme, params };
}

export function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

interface CachedToken {
  readonly token: string;
  readonly expiresAtMs: number;
}

export class TokenFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Fetches and caches Bearer tokens. One per client, so a long-lived API server reuses its tokens. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  /** How many tokens were fetched from a realm (tests check the cache with it). */
  fetched = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async token(challenge: Challenge, scope: string, credentials: Credentials | undefined, signal: AbortSignal): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new TokenFailure(0, 'the registry asked for a Bearer token but named no realm');
    const service = challenge.params.service ?? '';
    const key = [realm, service, scope, credentials?.username ?? ''].join('\n');
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAtMs > this.now()) return cached.token;
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    for (const part of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', part);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (credentials) headers.Authorization = basicHeader(credentials);
    const response = await fetch(url, { headers, signal });
    this.fetched += 1;
    if (!response.ok) throw new TokenFailure(response.status, `the token service ${url.origin}${url.pathname} answered ${response.status}`);
    const body = (await response.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (!token) throw new TokenFailure(response.status, `the token service ${url.origin}${url.pathname} sent no token`);
    // The spec's default lifetime is 60 s; renew 10 s early so a request never carries an expired token.
    const lifetimeS = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    this.tokens.set(key, { token, expiresAtMs: this.now() + Math.max(0, lifetimeS - 10) * 1000 });
    return token;
  }
}
