// Middleware every route gets, the routes other parts add included: a request body limit, an allowed-Host
// check against DNS rebinding (a page on evil.example whose name resolves to 127.0.0.1 could otherwise read
// /api/state from a browser on this machine), and security headers (CSP, no framing, no MIME sniffing).
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/** Bodies the API takes are a few hundred bytes (a pushed value, a patch, a registry event): 1 MiB, like nginx's default. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Names that always reach this machine only: a rebinding page cannot be served under them. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

export function requestBodyLimit(maxBytes: number = MAX_BODY_BYTES): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => c.json({ error: `the request body is larger than ${maxBytes} bytes; the API takes small JSON bodies` }, 413),
  });
}

/** The host name of a Host header ("example.com:8321" → "example.com", "[::1]:8321" → "::1"), lowercased. */
export function hostName(header: string): string {
  const text = header.trim().toLowerCase();
  if (text.startsWith('[')) return text.slice(1, text.indexOf(']') < 0 ? undefined : text.indexOf(']'));
  const colon = text.lastIndexOf(':');
  return colon < 0 ? text : text.slice(0, colon);
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || (host.includes(':') && /^[0-9a-f:.]+$/.test(host));
}

/**
 * Which Host headers are served: the loopback names, any IP address (DNS rebinding needs a name, so an
 * address is safe, and probes and scrapers use the pod's IP), the host the API listens on, and the
 * names in `api.allowedHosts` ("agent.example.com", ".example.com" for a domain and its subdomains,
 * "*" for any).
 */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  if (LOOPBACK_NAMES.includes(host) || isIpLiteral(host) || host.endsWith('.localhost')) return true;
  return allowed.some((entry) => {
    const name = entry.toLowerCase();
    if (name === '*') return true;
    if (name.startsWith('.')) return host === name.slice(1) || host.endsWith(name);
    return host === name;
  });
}

export function allowedHostsGuard(allowed: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('host');
    if (header !== undefined && !hostAllowed(hostName(header), allowed)) {
      const host = hostName(header)
        .replace(/[^\w.:-]/g, '?')
        .slice(0, 100);
      return c.json(
        {
          error:
            `Host "${host}" is not allowed (a guard against DNS rebinding). ` +
            `Open the API at 127.0.0.1 or localhost, or add "${host}" to api.allowedHosts in the config`,
        },
        403,
      );
    }
    await next();
  };
}

/** Scripts, styles and data only from the agent itself; never framed; the dashboard works offline under it. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Frame-Options', 'DENY');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
  };
}
