// Test support for the sources whose server's return wakes the agent (nats, rabbitmq): the real server
// behind a TCP proxy, the connection cut and restored. The watcher must not be woken while the server is
// unreachable, must be woken once it is back without any read, and the next read must work.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { eventually } from '../../testing/services.js';
import { TcpProxy } from '../../testing/tcp-proxy.js';
import type { Source } from '../types.js';

export interface WakeOnReturnCase {
  /** The real server's port on 127.0.0.1. */
  readonly serverPort: number;
  /** The source, reading through the proxy on `proxyPort`; it must have a watch(). */
  readonly source: (proxyPort: number) => Source;
  /** What it reads before the cut and after the return. */
  readonly expected: number;
  /** How long the server stays unreachable (the client retries meanwhile). */
  readonly downMs: number;
  readonly readTimeoutMs: number;
}

export async function assertWakesOnReturn(t: TestContext, testCase: WakeOnReturnCase): Promise<void> {
  const proxy = await new TcpProxy(testCase.serverPort).start();
  const source = testCase.source(proxy.port);
  assert.ok(source.watch, 'the source has no watch()');
  const wakes: number[] = [];
  const unwatch = source.watch(() => wakes.push(Date.now()));
  try {
    assert.equal(await source.read(AbortSignal.timeout(testCase.readTimeoutMs)), testCase.expected);
    await proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, testCase.downMs));
    assert.equal(wakes.length, 0, 'no wake while the server is unreachable');
    const restoredAtMs = Date.now();
    await proxy.restore();
    assert.ok(await eventually(() => wakes.length > 0, 5000, 10), 'woken once the server was back, with no read');
    t.diagnostic(`woken ${(wakes[0] ?? 0) - restoredAtMs}ms after the server was reachable again`);
    assert.equal(await source.read(AbortSignal.timeout(testCase.readTimeoutMs)), testCase.expected, 'and the read works');
  } finally {
    unwatch();
    await source.close();
    await proxy.close();
  }
}
