// For tests that need a real server: look for it, and when it is absent skip loudly (one line saying
// what is missing and how to start it). With MICROSCALE_REQUIRE_SERVICES=1 (CI) a missing service fails.
import type { TestContext } from 'node:test';
import { serviceAvailable, type ServiceCheck } from '../util/service-check.js';

export const REQUIRE_SERVICES = process.env.MICROSCALE_REQUIRE_SERVICES === '1';

export { serviceAvailable, type ServiceCheck } from '../util/service-check.js';
export { eventually } from '../util/eventually.js';

/**
 * Call at the top of a test (or in `before`). Returns true when the service is there; otherwise skips the
 * test loudly, or throws when MICROSCALE_REQUIRE_SERVICES=1.
 */
export async function needService(t: TestContext | undefined, check: ServiceCheck): Promise<boolean> {
  if (await serviceAvailable(check)) return true;
  const detail = await check.missing?.().catch(() => undefined);
  const line = `SKIPPED: ${detail ?? `${check.what} is not running`}; start it with: ${check.howToStart}`;
  if (REQUIRE_SERVICES) throw new Error(`${line} (MICROSCALE_REQUIRE_SERVICES=1: a missing service is a failure)`);
  console.error(line);
  t?.skip(line);
  return false;
}
