// Keeps credentials out of messages: URLs lose their userinfo, and any known secret that a driver
// echoes back (some put the URL or password in their errors) is replaced before we show the text.

/** The URL without user:password@ (unparseable text is returned as a placeholder, never verbatim). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}

/** The secrets hidden in a URL (user, password, both raw and percent-decoded) for `scrub`. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return [];
    return [`${parsed.username}:${parsed.password}`, parsed.password, decodeURIComponent(parsed.password)];
  } catch {
    return [url];
  }
}

/** Replaces every occurrence of each secret (longest first) with "***". */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  const present = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0).sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of present) out = out.split(secret).join('***');
  return out;
}
