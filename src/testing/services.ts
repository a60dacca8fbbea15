// For tests that need a real server: look for it, and when it is absent skip loudly (one line saying
// what is missing and how to start it). With MICROSCALE_REQUIRE_SERVICES=1 (CI) a missing service fails.
import type { TestContext } from 'node:test';

export const REQUIRE_SERVICES = process.env.MICROSCALE_REQUIRE_SERVICES === '1';

export interface ServiceCheck {
  /** What is missing, e.g. "Docker Engine on /var/run/docker.sock". */
  readonly what: string;
  /** How to start it, e.g. "../shared/tools/docker-engine up". */
  readonly howToStart: string;
  /** Resolves true when the service answers. */
  readonly probe: () => Promise<boolean>;
}

const cache = new Map<string, Promise<boolean>>();

export async function serviceAvailable(check: ServiceCheck): Promise<boolean> {
  let result = cache.get(check.what);
  if (!result) {
    result = check.probe().catch(() => false);
    cache.set(check.what, result);
  }
  return result;
}

/**
 * Call at the top of a test (or in `before`). Returns true when the service is there; otherwise skips the
 * test loudly, or throws when MICROSCALE_REQUIRE_SERVICES=1.
 */
export async function needService(t: TestContext | undefined, check: ServiceCheck): Promise<boolean> {
  if (await serviceAvailable(check)) return true;
  const line = `SKIPPED: ${check.what} is not running; start it with: ${check.howToStart}`;
  if (REQUIRE_SERVICES) throw new Error(`${line} (MICROSCALE_REQUIRE_SERVICES=1: a missing service is a failure)`);
  console.error(line);
  t?.skip(line);
  return false;
}

/** Polls until `condition` is true or the timeout passes; returns whether it became true. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
