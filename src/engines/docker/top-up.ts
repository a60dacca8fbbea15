// `preCreate`: prepared containers of each service kept ahead of need (prepared.ts), so a start that
// finds room starts one of them instead of creating. They are created once the pool is quiet (no start
// in flight or waiting for an exit, no stop waiting for its exit: a create beside them slows them on a
// busy daemon; after TOP_UP_WAIT_MS it goes anyway), never while the daemon is down or the agent closes.

/** The longest a top-up waits for the pool to be quiet. */
const TOP_UP_WAIT_MS = 5000;

export interface TopUpHooks {
  /** No start in flight or waiting for an exit, and no stop waiting for its exit. */
  readonly quiet: () => boolean;
  readonly closing: () => boolean;
  /** The daemon is known to be down. */
  readonly down: () => boolean;
  /** Creates what is missing of the containers kept ahead. */
  readonly topUp: () => void;
}

export class TopUp {
  /** A top-up is waiting for the pool to be quiet. */
  private pending = false;

  constructor(
    private readonly preCreate: number,
    private readonly hooks: TopUpHooks,
  ) {}

  /** After an apply: tops up once the pool is quiet (one wait at a time). */
  soon(): void {
    if (this.preCreate === 0 || this.pending) return;
    this.pending = true;
    const giveUpAtMs = Date.now() + TOP_UP_WAIT_MS;
    const attempt = (): void => {
      if (!this.hooks.quiet() && Date.now() < giveUpAtMs && !this.hooks.closing()) {
        setTimeout(attempt, 50).unref?.();
        return;
      }
      this.pending = false;
      if (!this.hooks.closing() && !this.hooks.down()) this.hooks.topUp();
    };
    attempt();
  }
}
