// `microscale bench registry`: how long `image inspect` takes against a real docker-registry on
// loopback behind token auth, with the token cache (one client reused, as the API's badge routes do)
// against the baseline of a fresh client per read (challenge + token request every time, as a client
// without a cache does). HEAD-for-digest and a no-auth read give the floor.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchRow } from './types.js';
import { errorMessage } from '../errors.js';
import { inspectRegistryImage } from '../metadata/image.js';
import { parseReference } from '../metadata/reference.js';
import { RegistryClient } from '../metadata/registry-client.js';
import { pushIndex } from './services/oci-index.js';
import { startRegistry, USER } from './services/registry.js';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function measure(trials: number, once: () => Promise<unknown>): Promise<{ medianMs: number; p90Ms: number }> {
  await once(); // warm up the connection pool and the registry's caches
  const times: number[] = [];
  for (let i = 0; i < trials; i++) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { medianMs: Number(percentile(times, 0.5).toFixed(2)), p90Ms: Number(percentile(times, 0.9).toFixed(2)) };
}

export const registryBenchmark: Benchmark = {
  name: 'registry',
  description: 'image inspect against a real docker-registry with token auth: token cache vs a fresh client per read',
  async run({ quick }) {
    const summary = 'median/p90 ms of one `image inspect` (index → manifest → config blob) on loopback; baseline: a fresh client per read';
    if (spawnSync('docker-registry', ['--version']).status !== 0 || spawnSync('openssl', ['version']).status !== 0) {
      return {
        name: 'registry',
        summary,
        rows: [],
        notes: ["SKIPPED: needs Debian's docker-registry and openssl: apt-get install -y docker-registry openssl"],
      };
    }
    const storage = mkdtempSync(join(tmpdir(), 'microscale-bench-registry-'));
    const trials = quick ? 20 : 200;
    const open = await startRegistry('none', storage).catch((error: unknown) => errorMessage(error));
    if (typeof open === 'string')
      return {
        name: 'registry',
        summary,
        rows: [],
        notes: [`SKIPPED: docker-registry could not start (${open}); install it with apt-get install docker-registry`],
      };
    try {
      await pushIndex(open.host, 'bench/app', 'v1', [{ os: 'linux', architecture: 'amd64', labels: { 'io.microscale.priority': '1' } }]);
      const secured = await startRegistry('token', storage);
      try {
        const env = {
          MICROSCALE_REGISTRY_USERNAME: USER.username,
          MICROSCALE_REGISTRY_PASSWORD: USER.password,
          DOCKER_CONFIG: '/nonexistent',
        };
        const tokenRef = parseReference(`${secured.host}/bench/app:v1`);
        const openRef = parseReference(`${open.host}/bench/app:v1`);
        const shared = new RegistryClient({ env });
        const baseline = await measure(trials, () => inspectRegistryImage(new RegistryClient({ env }), tokenRef));
        const rows: BenchRow[] = [];
        const row = (what: string, result: { medianMs: number; p90Ms: number }) =>
          rows.push({
            what,
            trials,
            'median ms': result.medianMs,
            'p90 ms': result.p90Ms,
            'vs baseline': Number((baseline.medianMs / result.medianMs).toFixed(2)),
          });
        row('token auth, fresh client per read (baseline)', baseline);
        row('token auth, cached token (one client)', await measure(trials, () => inspectRegistryImage(shared, tokenRef)));
        row('token auth, HEAD for the digest only', await measure(trials, () => shared.headDigest(tokenRef)));
        row('no auth, one client', await measure(trials, () => inspectRegistryImage(shared, openRef)));
        return { name: 'registry', summary, rows, notes: [`token requests by the shared client: ${shared.tokens.fetched}`] };
      } finally {
        await secured.stop();
      }
    } finally {
      await open.stop();
      rmSync(storage, { recursive: true, force: true });
    }
  },
};
