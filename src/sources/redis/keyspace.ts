// Redis tells subscribers about every change to a key (keyspace notifications) only when the server's
// notify-keyspace-events includes K plus the type's class (l for lists, t for streams, or A for all).
// We check once; with configureKeyspaceEvents we add the missing flags, otherwise we say how to.
import type { Redis } from 'ioredis';

/** The flags a `watch` on this key type needs. */
export function neededFlags(kind: 'list' | 'stream'): string {
  return kind === 'list' ? 'Kl' : 'Kt';
}

/** True when `current` (the server's notify-keyspace-events) already sends what `needed` asks for. */
export function flagsCover(current: string, needed: string): boolean {
  return [...needed].every((flag) => current.includes(flag) || (flag !== 'K' && flag !== 'E' && current.includes('A')));
}

/** `current` with the missing flags of `needed` added. */
export function mergeFlags(current: string, needed: string): string {
  return [...new Set([...current, ...needed])].join('');
}

export type KeyspaceCheck = { readonly ok: true; readonly changed: boolean } | { readonly ok: false; readonly reason: string };

export async function ensureKeyspaceEvents(client: Redis, kind: 'list' | 'stream', configure: boolean): Promise<KeyspaceCheck> {
  const needed = neededFlags(kind);
  let current: string;
  try {
    const reply = (await client.config('GET', 'notify-keyspace-events')) as unknown;
    current = Array.isArray(reply) ? String(reply[1] ?? '') : '';
  } catch (error) {
    return {
      ok: false,
      reason:
        `cannot read notify-keyspace-events (${error instanceof Error ? error.message : String(error)}); ` +
        `changes are seen at the next tick`,
    };
  }
  if (flagsCover(current, needed)) return { ok: true, changed: false };
  const advice = `run: redis-cli config set notify-keyspace-events ${mergeFlags(current, needed)} (or set configureKeyspaceEvents: true)`;
  if (!configure)
    return {
      ok: false,
      reason:
        `keyspace notifications are off for this key type (notify-keyspace-events="${current}"), ` +
        `so changes are seen at the next tick; to react at once, ${advice}`,
    };
  try {
    await client.config('SET', 'notify-keyspace-events', mergeFlags(current, needed));
    return { ok: true, changed: true };
  } catch (error) {
    return {
      ok: false,
      reason: `CONFIG SET notify-keyspace-events refused (${error instanceof Error ? error.message : String(error)}); ${advice}`,
    };
  }
}
