// `microscale image watch --listen` serves the watcher's routes behind the same guards as the agent's API:
// a DNS-rebinding Host is refused, an oversized body is refused unread, and the frame/CSP headers are set.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { imagesSchema } from '../../config/images.js';
import { silentLogger } from '../../log/logger.js';
import { createImageWatch } from '../../metadata/watch/service.js';
import { watchApiApp } from './image-watch.js';

function app() {
  const stateDir = mkdtempSync(join(tmpdir(), 'microscale-watch-api-'));
  const config = imagesSchema.parse({ stateDir, eventsSecret: 'events-secret-0123456789', watch: ['127.0.0.1:5999/demo/app:v1'] });
  return watchApiApp(createImageWatch(config, { log: silentLogger() }));
}

describe('image watch --listen', () => {
  it('refuses a Host that is not loopback or an IP (DNS rebinding), and serves loopback with the security headers', async () => {
    const api = app();
    const rebound = await api.request('http://attacker.example/api/images', { headers: { host: 'attacker.example' } });
    assert.equal(rebound.status, 403);
    const local = await api.request('http://127.0.0.1/api/images', { headers: { host: '127.0.0.1:8400' } });
    assert.equal(local.status, 200);
    assert.equal(local.headers.get('x-frame-options'), 'DENY');
    assert.match(local.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  });

  it('answers a wrong method with 405 and Allow, and an unknown path with 404', async () => {
    const api = app();
    const get = await api.request('http://127.0.0.1/api/registry/events', { headers: { host: '127.0.0.1' } });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
    const post = await api.request('http://127.0.0.1/api/images', { method: 'POST', headers: { host: '127.0.0.1' } });
    assert.equal(post.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assert.equal(post.status, 405);
    assert.equal((await api.request('http://127.0.0.1/api/state', { headers: { host: '127.0.0.1' } })).status, 404);
  });

  it('refuses a registry event body over the limit without reading it', async () => {
    const response = await app().request('http://127.0.0.1/api/registry/events', {
      method: 'POST',
      headers: { host: '127.0.0.1', 'content-type': 'application/json', 'content-length': String(5 * 1024 * 1024) },
      body: 'x'.repeat(5 * 1024 * 1024),
    });
    assert.equal(response.status, 413);
  });
});
