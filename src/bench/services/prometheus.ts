// Test harness: a real Prometheus (Debian's binary) on a free loopback port, scraping a tiny exporter
// the harness serves, with its own config and a throwaway data directory; both stop on close().
// Optionally behind basic auth (Prometheus's --web.config.file; needs htpasswd for the bcrypt hash).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort, startStub, type StubServer } from '../fakes/http-stub.js';

export interface TestPrometheus {
  readonly url: string;
  /** The exporter's metric lines, e.g. 'queue_depth{queue="jobs"}' → 37 (NaN allowed). */
  readonly metrics: Map<string, number>;
  readonly exporter: StubServer;
  close(): Promise<void>;
}

export function prometheusInstalled(): boolean {
  return spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function htpasswdInstalled(): boolean {
  return spawnSync('htpasswd', ['-nbB', 'probe', 'probe'], { stdio: 'ignore' }).status === 0;
}

function bcrypt(password: string): string {
  // Cost 4 (the minimum): Prometheus checks the hash on requests, and the test is about auth, not bcrypt.
  const out = spawnSync('htpasswd', ['-nbBC', '4', 'u', password], { encoding: 'utf8' });
  return out.stdout.trim().split(':')[1] ?? '';
}

function exposition(metrics: Map<string, number>): string {
  const names = new Set([...metrics.keys()].map((series) => series.split('{')[0]));
  const types = [...names].map((name) => `# TYPE ${name} gauge`);
  const lines = [...metrics].map(([series, value]) => `${series} ${Number.isNaN(value) ? 'NaN' : value}`);
  return `${[...types, ...lines].join('\n')}\n`;
}

async function waitReady(url: string, child: ChildProcess, headers: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with code ${child.exitCode}`);
    const ok = await fetch(`${url}/-/ready`, { headers }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('prometheus did not become ready within 20 s');
}

export async function startTestPrometheus(basicAuth?: { username: string; password: string }): Promise<TestPrometheus> {
  const metrics = new Map<string, number>();
  const exporter = await startStub((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition(metrics)),
  );
  const dir = await mkdtemp(join(tmpdir(), 'microscale-prom-'));
  const port = await closedPort();
  const config =
    `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n` +
    `  - job_name: queue-exporter\n    static_configs: [{ targets: ["127.0.0.1:${exporter.port}"] }]\n`;
  await writeFile(join(dir, 'prom.yml'), config);
  const args = [
    `--config.file=${join(dir, 'prom.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=error',
  ];
  if (basicAuth) {
    await writeFile(join(dir, 'web.yml'), `basic_auth_users:\n  ${basicAuth.username}: '${bcrypt(basicAuth.password)}'\n`);
    args.push(`--web.config.file=${join(dir, 'web.yml')}`);
  }
  const child = spawn('prometheus', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = `http://127.0.0.1:${port}`;
  const headers: Record<string, string> = basicAuth
    ? { authorization: `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}` }
    : {};
  const close = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await exporter.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, headers);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, metrics, exporter, close };
}
