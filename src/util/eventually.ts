// Polls until a condition holds or a timeout passes: for a demo or benchmark waiting on a real system.
/** Polls until `condition` is true or the timeout passes; returns whether it became true. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
