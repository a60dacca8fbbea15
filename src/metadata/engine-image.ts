// Images that exist only in the local Docker Engine (built, never pushed): read through dockerode's
// image inspect, into the same ImageMetadata a registry read gives.
import Docker from 'dockerode';
import { RegistryError } from './errors.js';
import { familiarName, type ImageReference } from './reference.js';
import type { ImageMetadata } from './image.js';

interface InspectInfo {
  Id: string;
  RepoDigests?: string[];
  Created?: string;
  Size?: number;
  Os?: string;
  Architecture?: string;
  Variant?: string;
  Config?: { Labels?: Record<string, string> | null };
  RootFS?: { Layers?: string[] };
}

export async function inspectEngineImage(ref: ImageReference, docker: Docker = new Docker()): Promise<ImageMetadata> {
  const name = familiarName(ref);
  let info: InspectInfo;
  try {
    info = (await docker.getImage(name).inspect()) as unknown as InspectInfo;
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404)
      throw new RegistryError('not-found', ref.original, `no image "${name}" in the local Docker Engine; build or pull it first`);
    const code = (error as { code?: string }).code;
    throw new RegistryError(
      'unreachable',
      ref.original,
      `cannot ask the local Docker Engine (${code ?? (error instanceof Error ? error.message : String(error))}); ` +
        `is it running (DOCKER_HOST or /var/run/docker.sock)?`,
    );
  }
  const platform = [info.Os, info.Architecture, info.Variant].filter(Boolean).join('/') || 'unknown';
  const repoDigest = (info.RepoDigests ?? [])[0]?.split('@')[1];
  return {
    reference: ref.original,
    name,
    source: 'engine',
    digest: repoDigest ?? info.Id,
    manifestDigest: info.Id,
    mediaType: 'docker engine image',
    platform,
    platforms: [platform],
    created: info.Created,
    size: info.Size ?? 0,
    // The engine knows uncompressed layer diff IDs, not their compressed sizes.
    layers: (info.RootFS?.Layers ?? []).map((digest) => ({ digest, size: 0, mediaType: 'diff id (uncompressed)' })),
    labels: info.Config?.Labels ?? {},
    annotations: {},
  };
}
