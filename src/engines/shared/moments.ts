// Pure: how an engine keeps the moments it notes one by one, per service and kind, for the latency
// estimate (ActualState.runningAtMs / goneAtMs, see core/latency.ts). Shared by the Docker engine (its
// events' moments, docker/moments.ts) and the Kubernetes engine (its pods' deletions, kubernetes/state.ts).

/** Moments kept per service and kind: more than the starts or stops one read can settle, in practice. */
const KEPT = 64;

/** `list` with `atMs` in time order, the oldest dropped past KEPT: a new array, so a state handed out never changes. */
export function withMoment(list: readonly number[] | undefined, atMs: number): readonly number[] {
  const next = [...(list ?? []).slice(1 - KEPT), atMs];
  return next.sort((a, b) => a - b);
}
