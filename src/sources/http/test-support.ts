// Test helpers for the HTTP-speaking sources: a loopback port with nothing on it, a throwaway HTTP
// server with a handler of the test's choosing, and an assertion on the SourceError a read rejects with.
import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SourceError, type SourceFailure } from '../../errors.js';
import type { Source } from '../types.js';

/** A loopback port that was free a moment ago (connections to it are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface StubServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startStub(handler: RequestListener): Promise<StubServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Asserts that one read rejects with a SourceError of `failure` whose message matches `pattern`. */
export async function assertReadFails(source: Source, failure: SourceFailure, pattern?: RegExp, timeoutMs = 3000): Promise<SourceError> {
  let caught: unknown;
  try {
    const value = await source.read(AbortSignal.timeout(timeoutMs));
    assert.fail(`expected a ${failure} SourceError, but the read returned ${value}`);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SourceError, `expected a SourceError, got ${String(caught)}`);
  assert.equal(caught.failure, failure, caught.message);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}
