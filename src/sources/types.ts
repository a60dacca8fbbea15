// The source contract: where one number for one service comes from. Each kind lives in its own folder
// (sources/<kind>/) with a zod schema for its `metric:` block, and is listed once in sources/index.ts.
import type { z } from 'zod';
import type { Logger } from '../log/logger.js';
import type { PluginStatus } from '../plugin-status.js';

export interface Source {
  /** One reading. Rejects with a SourceError; the agent applies the timeout through `signal`. */
  read(signal: AbortSignal): Promise<number>;
  /** Sources that learn of a change at once call `onChange` so the agent can tick now. Returns an unsubscribe. */
  watch?(onChange: () => void): () => void;
  /** Sources fed from outside (the `push` kind) take a value here; the API calls it through the agent. */
  accept?(value: number): void;
  /** Push sources: takes back the value pushed before a restart, with when it was pushed (ms), unless one came since. */
  restore?(value: number, atMs: number): void;
  close(): Promise<void>;
}

/** What a source's number is for: a service's `metric:` or its `arrivals:` (messages/s). */
export type SourceRole = 'metric' | 'arrivals';

export interface SourceContext {
  readonly service: string;
  /** Which of the service's blocks this source reads (default metric); push names its URL after it. */
  readonly role?: SourceRole | undefined;
  readonly log: Logger;
  /** The agent's clock (ms): sources that make up demand (random) use it, never Date.now() directly. */
  readonly nowMs: () => number;
}

export type { PluginStatus } from '../plugin-status.js';

export interface SourceKind<C extends { source: string } = { source: string }> {
  readonly kind: string;
  readonly status: PluginStatus;
  readonly description: string;
  /** The `metric:` block, including `source: <kind>`; strict (unknown keys are errors). */
  readonly schema: z.ZodType<C, z.ZodTypeDef, unknown>;
  /**
   * Kinds that can read a counter of messages ever added, for `arrivals: {..., counter: true}`: what the
   * counter is (for errors and docs) and the schema of such a block (without `counter`). The parsed
   * block carries `counter: true`, and `create` then returns a source reading the counter; the agent
   * turns its reads into messages/s (sources/shared/counter-rate.ts).
   */
  readonly counter?: { readonly what: string; readonly schema: z.ZodTypeAny };
  create(config: C, context: SourceContext): Source;
}

/** Helper so a kind's module keeps its own config type while the registry holds them all. */
export function defineSource<C extends { source: string }>(kind: SourceKind<C>): SourceKind {
  return kind as unknown as SourceKind;
}
