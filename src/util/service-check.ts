// Is a real server there? A probe, asked once per process. Used by the benchmarks (which skip what is
// absent) and by the tests (src/testing/services.ts, which skip loudly or fail under CI).

export interface ServiceCheck {
  /** What is missing, e.g. "Docker Engine on /var/run/docker.sock". */
  readonly what: string;
  /** How to start it, e.g. "../shared/tools/docker-engine up". */
  readonly howToStart: string;
  /** Resolves true when the service answers. */
  readonly probe: () => Promise<boolean>;
  /** For a check of several things: which of them are absent, in words ("htpasswd is not installed"). */
  readonly missing?: () => Promise<string | undefined>;
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
