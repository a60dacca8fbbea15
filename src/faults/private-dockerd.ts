// A private Docker Engine for fault injection: its own socket, data-root, exec-root and pidfile under a
// temporary directory, started in its own network namespace (`unshare --net`) with no bridge and no
// iptables, so stopping and starting it never touches the shared daemon or the host's networking
// (a dockerd started with --bridge=none in the host namespace deletes the host's docker0!). busybox is
// copied into it from the shared daemon (`docker save | docker load`). Needs root, `unshare` and
// `dockerd` (Debian's docker.io).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { removeEveryContainer } from '../engines/docker/remove-pool.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class PrivateDockerd {
  private child: ChildProcess | undefined;
  readonly docker: Docker;

  private constructor(readonly dir: string) {
    this.docker = new Docker({ socketPath: this.socket });
  }

  get socket(): string {
    return join(this.dir, 'd.sock');
  }

  /** For `engine.host` and `docker -H`. */
  get host(): string {
    return `unix://${this.socket}`;
  }

  /** Whether this machine can run one (root, unshare, dockerd). */
  static available(): boolean {
    return (
      process.getuid?.() === 0 && existsSync('/usr/bin/unshare') && (existsSync('/usr/sbin/dockerd') || existsSync('/usr/bin/dockerd'))
    );
  }

  static async create(): Promise<PrivateDockerd> {
    const dir = await mkdtemp(join(tmpdir(), 'msfd-')); // short: a unix socket path has ~100 bytes
    await writeFile(join(dir, 'daemon.json'), '{}\n'); // never the machine's /etc/docker/daemon.json
    const daemon = new PrivateDockerd(dir);
    await daemon.start();
    await daemon.loadImage('busybox:latest');
    return daemon;
  }

  /** Starts the daemon (again, on the same directories) and resolves once /_ping answers. */
  async start(timeoutMs = 30_000): Promise<void> {
    const d = this.dir;
    const args = [
      '--net',
      '--',
      'dockerd',
      '--host',
      this.host,
      '--data-root',
      join(d, 'data'),
      '--exec-root',
      join(d, 'exec'),
      '--pidfile',
      join(d, 'd.pid'),
      '--config-file',
      join(d, 'daemon.json'),
      '--bridge',
      'none',
      '--iptables=false',
      '--ip6tables=false',
      '--ip-masq=false',
    ];
    this.child = spawn('unshare', args, { stdio: 'ignore' });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await this.answers()) return;
      if (this.child.exitCode !== null) throw new Error(`private dockerd exited with ${this.child.exitCode} at start`);
      await sleep(50);
    }
    throw new Error(`private dockerd did not answer within ${timeoutMs}ms`);
  }

  /** SIGTERM, as a service manager stops it: it stops its containers, then exits. Resolves once it has. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async answers(): Promise<boolean> {
    return this.docker.ping().then(
      () => true,
      () => false,
    );
  }

  private async loadImage(image: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      execFile('sh', ['-c', `docker save ${image} | docker -H ${this.host} load -q`], (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Removes every container, stops the daemon and deletes its directories. */
  async destroy(): Promise<void> {
    try {
      if (this.child && (await this.answers())) await removeEveryContainer(this.docker);
    } finally {
      await this.stop();
      await this.killLeftovers();
      await rm(this.dir, { recursive: true, force: true }).catch(() => undefined); // a temp dir; the daemon is stopped either way
    }
  }

  /**
   * A container a shutting-down daemon did not stop keeps its containerd shim (whose command line
   * names this directory) after the daemon is gone: those, and only those, are killed.
   */
  private async killLeftovers(): Promise<void> {
    for (const pid of await readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
      const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (command.includes(`${this.dir}/`)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
}
