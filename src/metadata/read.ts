// One entry point for "give me this image's metadata": from the registry, from the local Docker
// Engine, or `auto` (the registry first, the engine when the registry does not have it or cannot be
// reached, for images that were built but never pushed).
import type Docker from 'dockerode';
import { inspectEngineImage } from './engine-image.js';
import { RegistryError } from './errors.js';
import { inspectRegistryImage, type ImageMetadata } from './image.js';
import type { Platform } from './platform.js';
import { parseReference } from './reference.js';
import { RegistryClient } from './registry-client.js';

export const IMAGE_SOURCES = ['auto', 'registry', 'engine'] as const;
export type ImageSource = (typeof IMAGE_SOURCES)[number];

export interface ReadImageOptions {
  readonly from?: ImageSource;
  readonly platform?: Platform;
  readonly client?: RegistryClient;
  readonly docker?: Docker;
  readonly signal?: AbortSignal;
}

const FALL_BACK_ON = new Set(['not-found', 'unreachable', 'timeout']);

export async function readImage(text: string, options: ReadImageOptions = {}): Promise<ImageMetadata> {
  const ref = parseReference(text);
  const from = options.from ?? 'auto';
  if (from === 'engine') return inspectEngineImage(ref, options.docker);
  const client = options.client ?? new RegistryClient();
  const registryOptions = {
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  if (from === 'registry') return inspectRegistryImage(client, ref, registryOptions);
  try {
    return await inspectRegistryImage(client, ref, registryOptions);
  } catch (error) {
    if (!(error instanceof RegistryError) || !FALL_BACK_ON.has(error.failure)) throw error;
    try {
      return await inspectEngineImage(ref, options.docker);
    } catch (engineError) {
      const engine =
        engineError instanceof RegistryError && engineError.failure === 'not-found'
          ? 'has no such image either'
          : 'could not be asked either';
      throw new RegistryError(error.failure, error.reference, `${error.detail} (and the local Docker Engine ${engine})`);
    }
  }
}
