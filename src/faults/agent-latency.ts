// How late a restarted agent was, in its own actions, measured apart from what the daemon takes to do
// them (a busy daemon may take seconds to stop or start a container; that is not the agent's). From the
// calls the agent made (docker-recorder.ts) and the daemon's own container events (pool-watch.ts):
// - a stop (SIGTERM) could be sent from the agent's first tick;
// - a start could be sent once the pool had room for it: the pool's free places at the first tick, then
//   each `die` after it, taken in turn by the starts in the order they were sent (a start the killed
//   agent sent that the daemon finished only after the first tick takes its place first), and not before
//   its container's create (a create of the restarted agent's) was answered, nor, for a container an
//   earlier agent left, before the daemon answered the restarted agent's inspect of it (adoption waits for
//   it: the killed agent may have sent that container's start; engines/docker/adoption.ts).
// Pure: no I/O.
import type { DockerCall } from './docker-recorder.js';

export interface PoolEvent {
  readonly id: string;
  /** The daemon's action: start, die, destroy, ... */
  readonly action: string;
  /** The daemon's time of the event (ms since the epoch). */
  readonly atMs: number;
}

export interface ActionLate {
  readonly action: 'stop' | 'start';
  readonly container: string;
  /** When the agent sent it. */
  readonly atMs: number;
  /** When it could have been sent first (see the module comment). */
  readonly possibleMs: number;
  readonly lateMs: number;
}

export interface LatencyInput {
  readonly capacity: number;
  /** The restarted agent: spawned at, its first tick (ms since the epoch). */
  readonly spawnedAtMs: number;
  readonly firstTickMs: number;
  /** The end of what is judged (calls and events after it are not looked at). */
  readonly untilMs: number;
  readonly calls: readonly DockerCall[];
  readonly events: readonly PoolEvent[];
}

const CONTAINER_CALL = /\/containers\/([0-9a-f]{12,64})\/(start|kill)(?:\?(.*))?$/;
const INSPECT_CALL = /\/containers\/([0-9a-f]{12,64})\/json$/;

function parse(call: DockerCall): { id: string; what: 'start' | 'stop' | 'other' } | undefined {
  if (call.method !== 'POST') return undefined;
  const match = CONTAINER_CALL.exec(call.path);
  if (!match?.[1]) return undefined;
  if (match[2] === 'start') return { id: match[1], what: 'start' };
  return { id: match[1], what: new URLSearchParams(match[3] ?? '').get('signal') === 'SIGTERM' ? 'stop' : 'other' };
}

/** Each stop and start the restarted agent sent, with how late it was (see the module comment). */
export function agentLatencies(input: LatencyInput): ActionLate[] {
  const { firstTickMs: tick, untilMs } = input;
  const events = input.events.filter((e) => e.atMs <= untilMs);
  const firstStart = new Map<string, number>();
  for (const e of events) if (e.action === 'start' && !firstStart.has(e.id)) firstStart.set(e.id, e.atMs);
  // Places held at the first tick: started by then, not died by then.
  const holding = new Set<string>();
  for (const e of [...events].filter((e) => e.atMs <= tick).sort((a, b) => a.atMs - b.atMs)) {
    if (e.action === 'start') holding.add(e.id);
    if (e.action === 'die') holding.delete(e.id);
  }
  const rooms = [
    ...Array.from({ length: Math.max(0, input.capacity - holding.size) }, () => tick),
    ...events
      .filter((e) => e.action === 'die' && e.atMs > tick)
      .map((e) => e.atMs)
      .sort((a, b) => a - b),
  ];
  const createdAnswered = new Map<string, number>();
  for (const call of input.calls)
    if (call.createdId && call.answeredMs !== undefined && call.atMs >= input.spawnedAtMs)
      createdAnswered.set(call.createdId, call.answeredMs);
  const inspectAnswered = new Map<string, number>();
  for (const call of input.calls) {
    const id = call.method === 'GET' && call.atMs >= input.spawnedAtMs ? INSPECT_CALL.exec(call.path)?.[1] : undefined;
    if (id && call.answeredMs !== undefined && !inspectAnswered.has(id)) inspectAnswered.set(id, call.answeredMs);
  }
  const judged = input.calls
    .filter((c) => c.atMs <= untilMs && (c.status === undefined || c.status < 300))
    .map((call) => ({ call, parsed: parse(call) }))
    .sort((a, b) => a.call.atMs - b.call.atMs);
  const late: ActionLate[] = [];
  let room = 0;
  for (const { call, parsed } of judged) {
    if (!parsed || parsed.what === 'other') continue;
    const ours = call.atMs >= input.spawnedAtMs;
    if (parsed.what === 'stop') {
      if (ours) late.push(entry('stop', parsed.id, call.atMs, tick));
      continue;
    }
    // A start: the killed agent's counts only when the daemon finished it after the first tick.
    const startedMs = firstStart.get(parsed.id);
    if (!ours && (startedMs === undefined || startedMs <= tick)) continue;
    const place = rooms[room++] ?? call.atMs; // none left: over capacity, which the pool samples catch
    const asked = Math.max(createdAnswered.get(parsed.id) ?? 0, inspectAnswered.get(parsed.id) ?? 0);
    if (ours) late.push(entry('start', parsed.id, call.atMs, Math.max(tick, place, asked)));
  }
  return late;
}

function entry(action: ActionLate['action'], id: string, atMs: number, possibleMs: number): ActionLate {
  return { action, container: id.slice(0, 12), atMs, possibleMs, lateMs: Math.max(0, atMs - possibleMs) };
}
