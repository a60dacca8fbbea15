// Choosing one image from an index the way `docker pull` does: the requested os/architecture[/variant]
// (default linux/amd64), never an attestation manifest (BuildKit's provenance/SBOM entries, which carry
// platform unknown/unknown and the vnd.docker.reference.type annotation).
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string | undefined;
}

export interface IndexEntry {
  readonly mediaType?: string;
  readonly digest: string;
  readonly size?: number;
  readonly platform?: Platform;
  readonly annotations?: Readonly<Record<string, string>>;
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** "linux/arm64/v8" → {os, architecture, variant}; undefined when the text is not of that shape. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) return undefined;
  const [os = '', architecture = '', variant] = parts;
  return { os, architecture, variant };
}

export function formatPlatform(platform: Platform | undefined): string {
  if (!platform) return 'unknown';
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

export function isAttestation(entry: IndexEntry): boolean {
  return (
    entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (entry.platform?.os === 'unknown' && entry.platform.architecture === 'unknown')
  );
}

/** The entry for `wanted`: exact variant when one is asked for, else the first os/arch match. */
export function choosePlatform(entries: readonly IndexEntry[], wanted: Platform): IndexEntry | undefined {
  const images = entries.filter((e) => !isAttestation(e) && e.platform);
  const sameArch = images.filter((e) => e.platform?.os === wanted.os && e.platform.architecture === wanted.architecture);
  if (wanted.variant) return sameArch.find((e) => e.platform?.variant === wanted.variant);
  return sameArch.find((e) => !e.platform?.variant) ?? sameArch[0];
}

export function availablePlatforms(entries: readonly IndexEntry[]): string[] {
  return entries.filter((e) => !isAttestation(e)).map((e) => formatPlatform(e.platform));
}
