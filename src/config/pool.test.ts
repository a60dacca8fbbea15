import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../agent/config-loader.js';
import { summarize } from './parse.js';
import { configProblems } from '../testing/config-problems.js';

const GI = 2 ** 30;
const service = (name: string, extra: Record<string, unknown> = {}) => ({ name, target: 'remainder', ...extra });
const sim = (capacity: unknown, services: unknown[]) => ({ engine: { kind: 'sim' }, capacity, services });
const kube = (capacity: unknown, services: unknown[]) => ({ engine: { kind: 'kubernetes' }, capacity, services });
const problemsOf = (document: unknown): string[] => configProblems(() => parseConfig(document, {}));

describe('capacity in resources', () => {
  it("reads a pool in Kubernetes quantities and each service's cpu/memory keys into whole millicores and bytes", () => {
    const config = parseConfig(
      sim({ cpu: '8', memory: '16Gi' }, [service('a', { cpu: '500m', memory: '256Mi' }), service('b', { cpu: 2, memory: '1Gi', max: 3 })]),
      {},
    );
    assert.deepEqual(config.capacity, { kind: 'resources', amounts: { cpu: 8000, memory: 16 * GI } });
    assert.deepEqual(config.services[0]?.size, { cpu: 500, memory: 256 * 2 ** 20 });
    assert.equal(config.services[0]?.max, 16, 'no max: as many as fit the pool (8 CPU / 0.5)');
    assert.equal(config.services[1]?.max, 3);
    assert.match(summarize(config), /capacity cpu 8, memory 16Gi/);
  });

  it('keeps the integer pool as it was', () => {
    const config = parseConfig(sim(9, [service('a')]), {});
    assert.equal(config.capacity, 9);
    assert.equal(config.services[0]?.max, 9);
    assert.equal(config.services[0]?.size, undefined);
  });

  it('takes auto on kubernetes, where sizes come from the pod templates', () => {
    const config = parseConfig(kube('auto', [service('a')]), {});
    assert.deepEqual(config.capacity, { kind: 'auto' });
  });

  it('names the field, the value and the fix for a bad quantity', () => {
    const problems = problemsOf(sim({ cpu: 'eight', memory: '16GB' }, [service('a', { cpu: '1', memory: '1Gi' })]));
    assert.ok(problems.includes('capacity.cpu: expected a CPU quantity like 500m, 0.5 or 2 (cores), got "eight"'), problems.join('\n'));
    assert.ok(problems.includes('capacity.memory: expected a memory quantity like 256Mi, 1.5Gi or 16Gi, got "16GB"'), problems.join('\n'));
    const service0 = problemsOf(sim({ cpu: 8 }, [service('a', { cpu: '-1' })]));
    assert.ok(
      service0.includes('services[0].cpu: expected a CPU quantity like 500m, 0.5 or 2 (cores), more than 0 (at least 1m), got "-1"'),
      service0.join('\n'),
    );
    assert.ok(
      problemsOf(sim({}, [service('a')])).includes('capacity: expected cpu, memory or both, e.g. {cpu: "8", memory: 16Gi}, got {}'),
    );
    assert.ok(problemsOf(sim({ cpus: 8 }, [service('a')])).some((p) => p.startsWith('capacity.cpus: unknown key')));
  });

  it('asks for the size of every service in every resource of the pool', () => {
    const problems = problemsOf(sim({ cpu: 8, memory: '16Gi' }, [service('a', { cpu: 1 }), service('b')]));
    assert.ok(
      problems.includes(
        'services[0].memory: is required when capacity counts memory (what one container of "a" takes), e.g. memory: 256Mi',
      ),
      problems.join('\n'),
    );
    assert.ok(
      problems.includes('services[1].cpu: is required when capacity counts cpu (what one container of "b" takes), e.g. cpu: 500m'),
      problems.join('\n'),
    );
  });

  it('refuses a container bigger than the whole pool', () => {
    const problems = problemsOf(sim({ cpu: 8 }, [service('a', { cpu: 10 })]));
    assert.ok(
      problems.includes(
        'services[0].cpu: needs 10 cpu per container, more than the whole pool (8), ' +
          'so not one would ever start; lower cpu or raise capacity.cpu',
      ),
      problems.join('\n'),
    );
  });

  it('refuses mins that need more than the pool, per resource', () => {
    const problems = problemsOf(sim({ cpu: 4 }, [service('a', { cpu: 1, min: 3 }), service('b', { cpu: 1, min: 2 })]));
    assert.ok(
      problems.includes("capacity.cpu: the services' mins need 5 cpu, more than the pool of 4; raise capacity.cpu or lower the mins"),
      problems.join('\n'),
    );
  });

  it('refuses sizes where they do not count or come from elsewhere, and auto where the engine cannot know its nodes', () => {
    const counted = problemsOf(sim(9, [service('a', { cpu: 1 })]));
    assert.ok(
      counted.includes(
        'services[0].cpu: 1 counts only when the pool is in resources, ' +
          'but capacity is 9 containers; give capacity: {cpu: "8", memory: 16Gi}, or remove cpu',
      ),
      counted.join('\n'),
    );
    const onKube = problemsOf(kube({ cpu: 8 }, [service('a', { cpu: 1 })]));
    assert.ok(
      onKube.includes(
        "services[0].cpu: on kubernetes a container's size is its pod template's resources.requests, " +
          'not a config key; remove cpu and set resources.requests.cpu in the workload',
      ),
      onKube.join('\n'),
    );
    const auto = problemsOf(sim('auto', [service('a', { cpu: 1 })]));
    assert.ok(
      auto.includes(
        'capacity: auto needs an engine that knows its nodes (kubernetes), but the engine is sim; ' +
          'give a number of containers or resources like {cpu: "8", memory: 16Gi}',
      ),
      auto.join('\n'),
    );
  });
});
