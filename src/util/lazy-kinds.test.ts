// The lazy kind registry: a kind's module is loaded on first use only, once, and the sync lookup sees
// only what is loaded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LazyKinds } from './lazy-kinds.js';

function counted() {
  const calls = { a: 0, b: 0 };
  let failNext = false;
  const registry = new LazyKinds<{ kind: string; n: number }>({
    a: async () => {
      calls.a++;
      if (failNext) {
        failNext = false;
        throw new Error('Cannot find package');
      }
      return { kind: 'a', n: 1 };
    },
    b: async () => {
      calls.b++;
      return { kind: 'wrong', n: 2 };
    },
  });
  return { registry, calls, failOnce: () => (failNext = true) };
}

describe('LazyKinds', () => {
  it('loads a kind only when asked for it by name, once, and find() sees only what is loaded', async () => {
    const { registry, calls } = counted();
    assert.deepEqual(registry.names, ['a', 'b']);
    assert.equal(registry.find('a'), undefined, 'nothing is loaded up front');
    assert.deepEqual(calls, { a: 0, b: 0 });
    const [first, second] = await Promise.all([registry.load('a'), registry.load('a')]);
    assert.equal(first, second);
    assert.deepEqual(calls, { a: 1, b: 0 }, 'a loaded once, b never');
    assert.equal(registry.find('a'), first);
    assert.equal(await registry.load('nope'), undefined, 'a name not registered is no kind');
    assert.equal(registry.has('nope'), false);
  });

  it('refuses a module whose kind is not the name it is registered under, and tries a failed import again', async () => {
    const { registry, calls, failOnce } = counted();
    await assert.rejects(registry.load('b'), /the kind registered as b calls itself wrong/);
    failOnce();
    await assert.rejects(registry.load('a'), /Cannot find package/);
    assert.equal((await registry.load('a'))?.n, 1);
    assert.equal(calls.a, 2);
  });
});
