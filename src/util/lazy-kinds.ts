// A registry of plugin kinds (engines, sources) that loads a kind's module, and the SDK it brings, only
// when asked for it by name: a config that names docker and redis never loads the Kubernetes, AWS or
// Azure SDKs (about a second at start-up on a quiet machine). Shared by engines/index.ts and
// sources/index.ts.

export class LazyKinds<K extends { readonly kind: string }> {
  /** Every kind's name, in the order the registry lists them (the order error messages give). */
  readonly names: readonly string[];
  private readonly loading = new Map<string, Promise<K>>();
  private readonly loaded = new Map<string, K>();

  constructor(private readonly loaders: Readonly<Record<string, () => Promise<K>>>) {
    this.names = Object.keys(loaders);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.loaders, name);
  }

  /** The kind named, loading its module on first use; undefined for a name not registered. */
  async load(name: string): Promise<K | undefined> {
    const loader = this.has(name) ? this.loaders[name] : undefined;
    if (!loader) return undefined;
    let pending = this.loading.get(name);
    if (!pending) {
      pending = loader().then((kind) => {
        if (kind.kind !== name) throw new Error(`the kind registered as ${name} calls itself ${kind.kind}`);
        this.loaded.set(name, kind);
        return kind;
      });
      this.loading.set(name, pending);
      pending.catch(() => this.loading.delete(name)); // a failed import is tried again next time
    }
    return pending;
  }

  /** Every kind, loaded, in the registry's order. */
  loadAll(): Promise<K[]> {
    return this.loadEach(this.names);
  }

  /** The kinds named, loaded, in that order (a name not registered is left out). */
  async loadEach(names: readonly string[]): Promise<K[]> {
    const kinds: (K | undefined)[] = await Promise.all(names.map((name) => this.load(name)));
    return kinds.filter((kind): kind is K => kind !== undefined);
  }

  /** The kind named if it is loaded already (every kind a validated config names is), else undefined. */
  find(name: string): K | undefined {
    return this.loaded.get(name);
  }
}
