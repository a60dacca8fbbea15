// The manifest media types microscale reads, and the Accept header that asks for all of them. A
// registry sent only some of them answers with an old schema1 manifest or a 404 for OCI content.
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(', ');

export type ManifestKind = 'index' | 'manifest';

export function manifestKind(mediaType: string): ManifestKind | undefined {
  if (mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST) return 'index';
  if (mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST) return 'manifest';
  return undefined;
}
