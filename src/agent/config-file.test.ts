// The agent's config loading loads the kinds a config names and no other, and says exactly what the
// loader with every kind loaded says (config-loader.ts's parseConfig), for good and bad configs alike.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors.js';
import { configContextFor, parseDocument } from './config-file.js';
import { parseConfig } from './config-loader.js';

const dockerRedis = {
  engine: { kind: 'docker', pool: 'p' },
  capacity: 4,
  services: [
    {
      name: 'worker',
      image: 'busybox:latest',
      metric: { source: 'redis', url: 'redis://127.0.0.1:6379', key: 'q' },
      arrivals: { source: 'push' },
      target: { queueLength: 10 },
      controller: { ratePerContainer: 5 },
    },
  ],
};

const kindNames = async (document: unknown) => {
  const context = await configContextFor(document);
  return { engines: context.engines.map((k) => k.kind), sources: context.sources.map((k) => k.kind) };
};

/** The config, or the problems. */
async function outcome(parse: () => unknown): Promise<unknown> {
  try {
    return await parse();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
}

describe('loading the kinds a config names', () => {
  it('gives validation the kinds named (sim when no engine is given), and no other', async () => {
    assert.deepEqual(await kindNames(dockerRedis), { engines: ['docker'], sources: ['redis', 'push'] });
    assert.deepEqual(await kindNames({ capacity: 2, services: [{ name: 'a', target: 'remainder' }] }), { engines: ['sim'], sources: [] });
  });

  it('gives every kind when a name is not a kind as written (a typo, ${ENV}), so the errors are what they were', async () => {
    const engines = await kindNames({ ...dockerRedis, engine: { kind: 'dokcer' } });
    assert.deepEqual(engines.engines, ['sim', 'docker', 'swarm', 'kubernetes', 'nomad', 'marathon', 'ecs']);
    const sources = await kindNames({ ...dockerRedis, services: [{ ...dockerRedis.services[0], metric: { source: '${SRC}' } }] });
    assert.equal(sources.sources.length, 10);
  });

  it('validates as the every-kind loader does: good configs, unknown kinds, typos, ${ENV} kinds', async () => {
    const service = dockerRedis.services[0]!;
    const documents: unknown[] = [
      dockerRedis,
      { ...dockerRedis, engine: { kind: 'dokcer' } },
      { ...dockerRedis, engine: { kind: '${ENGINE}', pool: 'p' } },
      { ...dockerRedis, engine: 'docker' },
      { ...dockerRedis, services: [{ ...service, metric: { source: 'kafka' } }] },
      { ...dockerRedis, services: [{ ...service, metric: 'redis' }] },
      { ...dockerRedis, services: [{ ...service, metric: { source: '${SRC}', url: 'redis://h:1', key: 'q' } }] },
      { ...dockerRedis, services: [{ ...service, imag: 'x' }] },
      { ...dockerRedis, engine: { kind: 'nope' }, services: [{ ...service, deployment: 'd', imagee: 'x' }] },
      // counter: true where the kind has none: the error names every kind that has one, loaded or not.
      { ...dockerRedis, services: [{ ...service, arrivals: { source: 'rabbitmq', url: 'amqp://r', queue: 'q', counter: true } }] },
      { ...dockerRedis, services: [{ ...service, arrivals: { source: 'redis', stream: 's', counter: true } }] },
      'not a config',
    ];
    const env = { ENGINE: 'docker', SRC: 'redis' };
    for (const document of documents) {
      const everyKind = await outcome(() => parseConfig(document, env));
      assert.deepEqual(await outcome(() => parseDocument(document, env)), everyKind, JSON.stringify(document));
    }
  });

  it('`validate` of a docker + redis config loads no other engine or source, nor their SDKs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'microscale-lazy-'));
    try {
      const config = join(dir, 'microscale.yaml');
      writeFileSync(config, JSON.stringify(dockerRedis));
      const log = join(dir, 'loaded.txt');
      const hook = join(dir, 'hook.mjs');
      writeFileSync(
        hook,
        `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, resolved.url + '\\\\n');
  return resolved;
}\`));
`,
      );
      const main = new URL('../cli/main.ts', import.meta.url).pathname;
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--import', hook, main, 'validate', '-c', config], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const loaded = readFileSync(log, 'utf8');
      for (const wanted of ['/engines/docker/docker.ts', '/sources/redis/redis.ts', '/node_modules/dockerode/', '/node_modules/ioredis/'])
        assert.ok(loaded.includes(wanted), `${wanted} is loaded`);
      for (const unwanted of [
        '/engines/kubernetes/',
        '/engines/ecs/',
        '/engines/swarm/',
        '/sources/sqs/',
        '/sources/azure-queue/',
        '/sources/nats/',
        '/sources/rabbitmq/',
        '@kubernetes/client-node',
        '@aws-sdk/',
        '@azure/',
        '/node_modules/nats/',
        '/node_modules/amqplib/',
      ])
        assert.ok(!loaded.includes(unwanted), `${unwanted} is not loaded`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
