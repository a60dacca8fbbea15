// Bounds a driver call by the agent's AbortSignal: most drivers cannot cancel a request in flight, so
// the read settles at the deadline and the late answer is dropped.

/** Settles with `work`, or rejects with `onAbort()` as soon as `signal` aborts (or at once if it has). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined); // no one waits for it any more: its rejection must not go unhandled
    return Promise.reject(onAbort());
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}
