// Bench and test equipment: pushes a multi-platform OCI image index by hand through the registry API (blobs by
// POST + PUT, then each platform's manifest, then the index), plus a BuildKit-style attestation entry
// that a reader must skip. Each platform is a one-layer image with its own labels.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { OCI_INDEX, OCI_MANIFEST } from '../../metadata/media-types.js';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A one-file tar archive (ustar), enough for a valid layer. */
function tarOf(name: string, content: string): Buffer {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  body.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

async function putBlob(base: string, repo: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new Error(`blob upload did not start: ${start.status}`);
  const url = new URL(location, base);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`blob upload failed: ${put.status} ${await put.text()}`);
  return digest;
}

async function putManifest(base: string, repo: string, reference: string, mediaType: string, body: Buffer): Promise<void> {
  const put = await fetch(`${base}/v2/${repo}/manifests/${reference}`, {
    method: 'PUT',
    body: new Uint8Array(body),
    headers: { 'content-type': mediaType },
  });
  if (put.status !== 201) throw new Error(`manifest PUT ${reference} failed: ${put.status} ${await put.text()}`);
}

export interface PlatformImage {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly labels: Record<string, string>;
}

async function pushPlatform(base: string, repo: string, image: PlatformImage) {
  const tar = tarOf('hello.txt', `${image.os}/${image.architecture}\n`);
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: image.architecture,
      os: image.os,
      ...(image.variant ? { variant: image.variant } : {}),
      created: '2026-01-02T03:04:05Z',
      config: { Labels: image.labels },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    }),
  );
  const layerDigest = await putBlob(base, repo, layer);
  const configDigest = await putBlob(base, repo, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
    }),
  );
  const digest = sha256(manifest);
  await putManifest(base, repo, digest, OCI_MANIFEST, manifest);
  return { digest, size: manifest.length, layerDigest };
}

/** Pushes the index as REPO:TAG; returns its digest and each platform manifest's digest, in order. */
export async function pushIndex(
  host: string,
  repo: string,
  tag: string,
  images: readonly PlatformImage[],
): Promise<{ digest: string; manifests: string[] }> {
  const base = `http://${host}`;
  const entries = [];
  for (const image of images) {
    const pushed = await pushPlatform(base, repo, image);
    entries.push({
      mediaType: OCI_MANIFEST,
      digest: pushed.digest,
      size: pushed.size,
      platform: { architecture: image.architecture, os: image.os, ...(image.variant ? { variant: image.variant } : {}) },
    });
  }
  // An attestation manifest as BuildKit writes one: platform unknown/unknown, pointing at the first image.
  const attestation = await pushPlatform(base, repo, {
    os: 'unknown',
    architecture: 'unknown',
    labels: { 'attestation.should.not.be.read': 'yes' },
  });
  entries.push({
    mediaType: OCI_MANIFEST,
    digest: attestation.digest,
    size: attestation.size,
    platform: { architecture: 'unknown', os: 'unknown' },
    annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': entries[0]?.digest ?? '' },
  });
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: entries,
      annotations: { 'org.opencontainers.image.source': 'https://example.com/acme/multi' },
    }),
  );
  await putManifest(base, repo, tag, OCI_INDEX, index);
  return { digest: sha256(index), manifests: entries.slice(0, images.length).map((e) => e.digest) };
}
