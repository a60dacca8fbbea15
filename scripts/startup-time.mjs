// Start-up time of `microscale` builds on a docker + redis config, paired: each round runs every build
// once, in turn, so load on the machine hits them alike. Per build: `validate` (process start to exit)
// and `run --dry-run` (process start to its first tick: the tick's own atMs from /api/history), plus bare
// `node -e ''` as the floor. Needs the Docker Engine and Redis (the dry run reads both, changes nothing).
//   node scripts/startup-time.mjs [--runs N] DIST_DIR [DIST_DIR ...]   (e.g. /tmp/before/dist dist)
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 5;
const builds = args.map((dir) => resolve(dir));
if (builds.length === 0 || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: node scripts/startup-time.mjs [--runs N] DIST_DIR [DIST_DIR ...]');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'microscale-startup-'));
const config = join(dir, 'microscale.yaml');
writeFileSync(
  config,
  `engine: {kind: docker, pool: startup-time-${process.pid}}
capacity: 4
interval: 500ms
services:
  - name: worker
    image: busybox:latest
    command: [sleep, "3600"]
    metric: {source: redis, url: "redis://127.0.0.1:6379", key: "microscale:startup-time"}
    target: {queueLength: 10}
`,
);

function freePort() {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function getJson(port, path) {
  return new Promise((done, fail) => {
    get({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => done(JSON.parse(body)));
    }).on('error', fail);
  });
}

/** ms from spawn to exit. */
function timeExit(command, argv) {
  return new Promise((done, fail) => {
    const t0 = Date.now();
    const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => (code === 0 ? done(Date.now() - t0) : fail(new Error(`${argv.join(' ')} exited ${code}: ${stderr}`))));
  });
}

/** ms from spawn to the first tick (its atMs). */
async function timeFirstTick(main) {
  const port = await freePort();
  const t0 = Date.now();
  const child = spawn(process.execPath, [main, 'run', '-c', config, '--dry-run', '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  try {
    for (const deadline = t0 + 30_000; Date.now() < deadline; ) {
      const history = await getJson(port, '/api/history').catch(() => undefined);
      const first = history?.ticks?.find((tick) => tick.seq === 1);
      if (first) return first.atMs - t0;
      await sleep(10);
    }
    throw new Error('no tick within 30 s');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = builds.map(() => ({ validate: [], firstTick: [] }));
const floor = [];
const loads = [loadavg()[0]];
try {
  for (let round = 0; round < runs; round++) {
    floor.push(await timeExit(process.execPath, ['-e', '']));
    for (const [i, build] of builds.entries()) {
      const main = join(build, 'cli/main.js');
      results[i].validate.push(await timeExit(process.execPath, [main, 'validate', '-c', config]));
      results[i].firstTick.push(await timeFirstTick(main));
    }
    loads.push(loadavg()[0]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const load = `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`;
console.log(`${runs} paired rounds; load average (1 min) ${load} on ${cpus().length} cores`);
console.log(`node -e '' (floor): median ${median(floor)} ms [${floor.join(', ')}]`);
console.log('build | validate median ms [runs] | run: first tick median ms [runs] | vs first build (validate, first tick)');
for (const [i, build] of builds.entries()) {
  const { validate, firstTick } = results[i];
  const ratio = (a, b) => (median(a) / median(b)).toFixed(2);
  const columns = [
    build,
    `${median(validate)} [${validate.join(', ')}]`,
    `${median(firstTick)} [${firstTick.join(', ')}]`,
    `${ratio(validate, results[0].validate)}, ${ratio(firstTick, results[0].firstTick)}`,
  ];
  console.log(columns.join(' | '));
}
