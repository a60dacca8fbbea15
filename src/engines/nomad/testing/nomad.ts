// Test helpers for the nomad engine: the documented-API fake on a free port (with ACLs on), services
// named like their jobs, and an engine created against the fake.
import { silentLogger } from '../../../log/logger.js';
import type { Engine, EngineService } from '../../types.js';
import { FakeNomad, type FakeNomadOptions } from '../../../bench/fakes/fake-nomad.js';
import { createNomadEngine, nomadSchema, type NomadServiceOptions } from '../nomad.js';

export const TOKEN = 'c5a1e3f2-0000-4000-8000-000000000001';

export async function startFake(options: FakeNomadOptions = {}): Promise<{ fake: FakeNomad; address: string }> {
  const fake = new FakeNomad({ token: TOKEN, ...options });
  const url = await fake.http.start();
  return { fake, address: url.origin };
}

export function services(...jobs: string[]): EngineService<NomadServiceOptions>[] {
  return jobs.map((job) => ({ name: job, stopGracePeriodMs: 1000, options: { job } }));
}

export async function create(
  address: string,
  list: EngineService<NomadServiceOptions>[],
  overrides: Record<string, unknown> = {},
): Promise<Engine> {
  const config = nomadSchema.parse({ kind: 'nomad', address, token: TOKEN, timeout: '2s', ...overrides });
  return createNomadEngine(config, list, { log: silentLogger(), nowMs: Date.now });
}
