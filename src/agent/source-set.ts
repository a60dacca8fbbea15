// The live sources of one role (every service's metric, or every service's arrivals) by service name:
// built from the config; on a reconfigure rebuilt only where the service's block changed, so a
// connection (or a pushed value) survives a reload that does not touch it; watched, so a source that
// learns of a change at once wakes the agent.
import type { MicroscaleConfig } from '../config/schema.js';
import type { Source, SourceContext, SourceRole } from '../sources/types.js';
import { blockOf, createSource } from './wiring.js';

export class SourceSet {
  private sources: Map<string, Source>;
  private readonly watches = new Map<Source, () => void>();
  private onChange: (() => void) | undefined;

  /** `given` replaces the sources the config would build (tests, benchmarks). */
  constructor(
    private readonly role: SourceRole,
    private readonly context: Omit<SourceContext, 'service' | 'role'>,
    config: MicroscaleConfig,
    given?: ReadonlyMap<string, Source>,
  ) {
    this.sources = new Map(given ?? this.build(config));
  }

  get all(): ReadonlyMap<string, Source> {
    return this.sources;
  }

  get(service: string): Source | undefined {
    return this.sources.get(service);
  }

  /** From now on, sources that report changes call `onChange`, rebuilt ones included. */
  watch(onChange: () => void): void {
    this.onChange = onChange;
    for (const source of this.sources.values()) this.watchOne(source);
  }

  /**
   * Puts the sources of `next` in place before its first await (a tick that starts meanwhile reads the
   * new ones); resolves once the replaced and removed sources are closed.
   */
  async reconfigure(previous: MicroscaleConfig, next: MicroscaleConfig): Promise<void> {
    const before = new Map(previous.services.map((s) => [s.name, s]));
    const kept = new Map<string, Source>();
    const stale: Source[] = [];
    for (const service of next.services) {
      const existing = this.sources.get(service.name);
      const old = before.get(service.name);
      if (existing && old && JSON.stringify(blockOf(old, this.role)) === JSON.stringify(blockOf(service, this.role))) {
        kept.set(service.name, existing);
        continue;
      }
      if (existing) stale.push(existing);
      const source = createSource(service, this.context, this.role);
      if (source) kept.set(service.name, source);
    }
    const named = new Set(next.services.map((s) => s.name));
    for (const [name, source] of this.sources) if (!named.has(name)) stale.push(source);
    this.sources = kept;
    if (this.onChange) for (const source of kept.values()) this.watchOne(source);
    await Promise.all(stale.map((s) => this.closeOne(s)));
  }

  async close(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => this.closeOne(s)));
  }

  private build(config: MicroscaleConfig): Map<string, Source> {
    const sources = new Map<string, Source>();
    for (const service of config.services) {
      const source = createSource(service, this.context, this.role);
      if (source) sources.set(service.name, source);
    }
    return sources;
  }

  private watchOne(source: Source): void {
    const onChange = this.onChange;
    if (onChange && source.watch && !this.watches.has(source)) this.watches.set(source, source.watch(onChange));
  }

  private async closeOne(source: Source): Promise<void> {
    this.watches.get(source)?.();
    this.watches.delete(source);
    await source.close().catch(() => undefined); // a source being dropped: nothing is left to do if its close fails
  }
}
