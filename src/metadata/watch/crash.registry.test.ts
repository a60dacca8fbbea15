// Nothing lost across kill -9, with the watcher in a real child process (`microscale image watch`): a
// delivery in flight when the process dies is sent again after a restart, with the same delivery id;
// a change made while the watcher was down is noticed at start and notified once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pushIndex } from '../../bench/services/oci-index.js';
import { registryCheck, startRegistry, type TestRegistry } from '../../bench/services/registry.js';
import { eventually, needService } from '../../testing/services.js';
import { HOOK_SECRET } from './testing/harness.js';
import { WebhookReceiver } from './testing/receiver.js';

const main = new URL('../../cli/main.ts', import.meta.url).pathname;

function startWatcher(ref: string, stateDir: string, hook: string): Promise<{ child: ChildProcess; output: () => string }> {
  const args = [
    '--import',
    'tsx',
    main,
    'image',
    'watch',
    ref,
    '--state-dir',
    stateDir,
    '--interval',
    '500ms',
    '--notify',
    hook,
    '--retry-base',
    '200ms',
    '--webhook-timeout',
    '60s',
    '--log-level',
    'warn',
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, MICROSCALE_WEBHOOK_SECRET: HOOK_SECRET },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return eventually(() => output.includes('watching 1 image tag') || child.exitCode !== null, 60_000).then(() => {
    assert.equal(child.exitCode, null, `image watch exited: ${output}`);
    return { child, output: () => output };
  });
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const platform = (version: string) => [{ os: 'linux', architecture: 'amd64', labels: { 'org.opencontainers.image.version': version } }];

describe('image watch survives kill -9 (child process, real docker-registry)', { timeout: 300_000 }, () => {
  let registry: TestRegistry | undefined;
  const receiver = new WebhookReceiver(HOOK_SECRET);
  const children: ChildProcess[] = [];

  before(async () => {
    if (!(await needService(undefined, registryCheck))) return;
    registry = await startRegistry('none');
    await receiver.start();
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await registry?.stop();
    await receiver.stop();
  });

  it('a delivery in flight at kill -9 is sent again after the restart, with the same delivery id', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const stateDir = mkdtempSync(join(tmpdir(), 'microscale-crash-'));
    const ref = `${registry.host}/crash/inflight:v1`;
    await pushIndex(registry.host, 'crash/inflight', 'v1', platform('1'));
    const first = await startWatcher(ref, stateDir, receiver.url);
    children.push(first.child);
    receiver.delayMs = 120_000; // the receiver holds the request: the delivery is in flight
    await pushIndex(registry.host, 'crash/inflight', 'v1', platform('2'));
    assert.ok(await eventually(() => receiver.arrivals.length >= 1, 20_000), 'the watcher never sent the delivery');
    const id = receiver.arrivals[0];
    await kill9(first.child);
    receiver.delayMs = 0;
    const second = await startWatcher(ref, stateDir, receiver.url);
    children.push(second.child);
    assert.ok(
      await eventually(() => receiver.received.some((r) => r.json.delivery === id), 20_000),
      `the in-flight delivery ${id} was not sent again:\n${second.output()}`,
    );
    const again = receiver.received.find((r) => r.json.delivery === id);
    assert.equal(again?.headers['x-microscale-delivery'], id);
    assert.ok(again?.signatureValid);
    assert.equal(again?.json.event, 'image.changed');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(
      receiver.received.filter((r) => r.json.reference === ref).length,
      1,
      'the change was noticed once: no second delivery of it',
    );
    await kill9(second.child);
  });

  it('a change made while the watcher was down is notified once, at start', async (t) => {
    if (!(await needService(t, registryCheck)) || !registry) return;
    const stateDir = mkdtempSync(join(tmpdir(), 'microscale-crash-'));
    const ref = `${registry.host}/crash/downtime:v1`;
    const old = await pushIndex(registry.host, 'crash/downtime', 'v1', platform('1'));
    const first = await startWatcher(ref, stateDir, receiver.url);
    children.push(first.child);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await kill9(first.child);
    const next = await pushIndex(registry.host, 'crash/downtime', 'v1', platform('2'));
    const second = await startWatcher(ref, stateDir, receiver.url);
    children.push(second.child);
    assert.ok(
      await eventually(() => receiver.received.some((r) => r.json.reference === ref), 20_000),
      `no webhook for the change made while down:\n${second.output()}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 2000)); // several poll rounds
    const hooks = receiver.received.filter((r) => r.json.reference === ref);
    assert.equal(hooks.length, 1, 'notified exactly once');
    assert.deepEqual([hooks[0]?.json.oldDigest, hooks[0]?.json.newDigest, hooks[0]?.json.via], [old.digest, next.digest, 'start']);
    await kill9(second.child);
  });
});
