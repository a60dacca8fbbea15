// Runs an agent until Ctrl-C, SIGTERM or a duration: the shared shutdown path of `run` and `demo`.
// On a signal the agent finishes the tick (and apply) in progress and starts nothing new.
import type { Agent } from '../agent/agent.js';

export async function runUntilStopped(agent: Agent, durationMs: number | undefined, onStop: () => Promise<void> = async () => {}): Promise<void> {
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (timer) clearTimeout(timer);
      void agent
        .stop()
        .then(onStop)
        .finally(resolve);
    };
    const timer = durationMs === undefined ? undefined : setTimeout(stop, durationMs);
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    void agent.start().catch((error: unknown) => {
      console.error(error);
      stop();
    });
  });
}
