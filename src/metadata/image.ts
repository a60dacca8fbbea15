// What microscale knows about one image, and how it is read from a registry: the manifest (through
// the index for the chosen platform), then the config blob for labels and the created date.
import { RegistryError } from './errors.js';
import { availablePlatforms, choosePlatform, DEFAULT_PLATFORM, formatPlatform, type IndexEntry, type Platform } from './platform.js';
import { canonicalName, type ImageReference } from './reference.js';
import type { FetchedManifest, RegistryClient } from './registry-client.js';

export interface LayerInfo {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
}

export interface ImageMetadata {
  readonly reference: string;
  readonly name: string;
  readonly source: 'registry' | 'engine';
  /** The digest a `docker pull` of this reference resolves to (the index's, for multi-platform images). */
  readonly digest: string;
  /** The chosen platform's own manifest digest (equal to `digest` for single-platform images). */
  readonly manifestDigest: string;
  readonly mediaType: string;
  readonly platform: string;
  /** Every platform the index offers (attestations left out); just the one for a single manifest. */
  readonly platforms: readonly string[];
  readonly created: string | undefined;
  /** Bytes: compressed layers plus config for a registry image; unpacked size for an engine image. */
  readonly size: number;
  readonly layers: readonly LayerInfo[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

interface ManifestJson {
  config?: { digest?: string; size?: number; mediaType?: string };
  layers?: { digest?: string; size?: number; mediaType?: string }[];
  annotations?: Record<string, string>;
  manifests?: IndexEntry[];
}

interface ConfigJson {
  created?: string;
  os?: string;
  architecture?: string;
  variant?: string;
  config?: { Labels?: Record<string, string> | null };
}

function stringRecord(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

async function resolvePlatform(client: RegistryClient, ref: ImageReference, top: FetchedManifest, wanted: Platform, signal?: AbortSignal) {
  if (top.kind === 'manifest') return { manifest: top, platforms: [] as string[] };
  const entries = ((top.json as ManifestJson).manifests ?? []).filter((e) => typeof e.digest === 'string');
  const platforms = availablePlatforms(entries);
  const chosen = choosePlatform(entries, wanted);
  if (!chosen) {
    throw new RegistryError(
      'no-platform',
      ref.original,
      `no ${formatPlatform(wanted)} image in the index; it has ${platforms.join(', ') || 'no platforms'}; pick one with --platform`,
    );
  }
  const manifest = await client.getManifest(ref, chosen.digest, signal);
  if (manifest.kind !== 'manifest')
    throw new RegistryError(
      'bad-response',
      ref.original,
      `index entry ${chosen.digest} is itself an index; nested indexes are not followed`,
    );
  return { manifest, platforms };
}

/** Reads an image from its registry: index → platform manifest → config blob, every piece digest-checked. */
export async function inspectRegistryImage(
  client: RegistryClient,
  ref: ImageReference,
  options: { platform?: Platform; signal?: AbortSignal } = {},
): Promise<ImageMetadata> {
  const wanted = options.platform ?? DEFAULT_PLATFORM;
  const top = await client.getManifest(ref, undefined, options.signal);
  const { manifest, platforms } = await resolvePlatform(client, ref, top, wanted, options.signal);
  const json = manifest.json as ManifestJson;
  const configDigest = json.config?.digest;
  if (!configDigest) throw new RegistryError('bad-response', ref.original, `manifest ${manifest.digest} has no config descriptor`);
  const configBytes = await client.getBlob(ref, configDigest, options.signal);
  let config: ConfigJson;
  try {
    config = JSON.parse(Buffer.from(configBytes).toString('utf8')) as ConfigJson;
  } catch {
    throw new RegistryError('bad-response', ref.original, `config blob ${configDigest} is not JSON`);
  }
  const layers = (json.layers ?? []).map((l) => ({
    digest: String(l.digest ?? ''),
    size: Number(l.size ?? 0),
    mediaType: String(l.mediaType ?? ''),
  }));
  const platform = formatPlatform(
    config.os && config.architecture ? { os: config.os, architecture: config.architecture, variant: config.variant } : undefined,
  );
  return {
    reference: ref.original,
    name: canonicalName(ref),
    source: 'registry',
    digest: top.digest,
    manifestDigest: manifest.digest,
    mediaType: top.mediaType,
    platform,
    platforms: platforms.length > 0 ? platforms : [platform],
    created: typeof config.created === 'string' ? config.created : undefined,
    size: layers.reduce((sum, l) => sum + l.size, Number(json.config?.size ?? configBytes.length)),
    layers,
    labels: stringRecord(config.config?.Labels),
    annotations: { ...stringRecord((top.json as ManifestJson).annotations), ...stringRecord(json.annotations) },
  };
}
