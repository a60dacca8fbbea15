// A read-only OCI distribution client, written by hand on fetch. The npm clients looked at were not a
// fit: @snyk/docker-registry-v2-client (the best kept) is untyped (`options?: any`), brings needle, takes
// the credentials on every call with no token cache across calls, and has no HEAD-for-digest or abort
// signal; the joyent/renovate docker-registry-client is restify-based and unmaintained. This one does
// exactly what microscale needs: the Bearer/Basic challenge flow with cached tokens, credentials from
// env, a docker credential helper or ~/.docker/config.json, Accept for all four manifest types, sha256 verification of every
// manifest and blob, HEAD for the digest, a timeout on every request, and errors naming the reference
// (the wire-level parts, HEAD, digests, Retry-After and error answers, are in registry-http.ts).
import { basicHeader, parseChallenge, TokenCache, TokenFailure, type Challenge } from './auth.js';
import { findCredentials, type Credentials } from './credentials.js';
import { RegistryError } from './errors.js';
import { MANIFEST_ACCEPT, manifestKind, type ManifestKind } from './media-types.js';
import { manifestReference, registryBaseUrl, type ImageReference } from './reference.js';
import { digestOf, failureOf, sendHead, verify } from './registry-http.js';

export interface RegistryClientOptions {
  /** Per request (token request included); default 10 s. */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly tokens?: TokenCache;
  /** Manifests (and indexes) larger than this are refused before they are read; default 4 MiB. */
  readonly maxManifestBytes?: number;
}

export interface FetchedManifest {
  readonly kind: ManifestKind;
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly json: Record<string, unknown>;
}

export class RegistryClient {
  readonly tokens: TokenCache;
  private readonly timeoutMs: number;
  private readonly maxManifestBytes: number;
  private readonly env: NodeJS.ProcessEnv;
  /** The last challenge seen per registry, so later requests authenticate up front. */
  private readonly challenges = new Map<string, Challenge>();
  private readonly credentials = new Map<string, Promise<Credentials | undefined>>();

  constructor(options: RegistryClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxManifestBytes = options.maxManifestBytes ?? 4 * 1024 * 1024;
    this.env = options.env ?? process.env;
    this.tokens = options.tokens ?? new TokenCache();
  }

  /** GETs a manifest or index by tag or digest, verified against the digest the registry and the reference name. */
  async getManifest(ref: ImageReference, reference = manifestReference(ref), signal?: AbortSignal): Promise<FetchedManifest> {
    return this.guard(ref, signal, async (combined) => {
      const response = await this.request(ref, `manifests/${reference}`, 'GET', MANIFEST_ACCEPT, combined);
      const what = `manifest ${reference}`;
      const bytes = await this.limitedBody(ref, what, response, combined);
      const header = response.headers.get('docker-content-digest');
      if (reference.includes(':')) verify(ref, what, bytes, reference);
      if (header) verify(ref, what, bytes, header);
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new RegistryError('bad-response', ref.original, `${what} is not JSON`);
      }
      const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
      const mediaType = manifestKind(contentType) ? contentType : typeof json.mediaType === 'string' ? json.mediaType : contentType;
      const kind = manifestKind(mediaType);
      if (!kind)
        throw new RegistryError(
          'bad-response',
          ref.original,
          `${what} has media type "${mediaType}"; expected an OCI or Docker v2 manifest or index (schema1 is not supported)`,
        );
      return { kind, mediaType, digest: header ?? digestOf(bytes), size: bytes.length, json };
    });
  }

  /** HEAD: the manifest's digest and type without downloading it (falls back to GET if the registry sends no digest). */
  async headDigest(ref: ImageReference, signal?: AbortSignal): Promise<{ digest: string; mediaType: string }> {
    const head = await this.guard(ref, signal, async (combined) => {
      const response = await this.request(ref, `manifests/${manifestReference(ref)}`, 'HEAD', MANIFEST_ACCEPT, combined);
      return {
        digest: response.headers.get('docker-content-digest'),
        mediaType: (response.headers.get('content-type') ?? '').split(';')[0] ?? '',
      };
    });
    if (head.digest) return { digest: head.digest, mediaType: head.mediaType };
    const manifest = await this.getManifest(ref, manifestReference(ref), signal);
    return { digest: manifest.digest, mediaType: manifest.mediaType };
  }

  /**
   * Every tag of the repository, following the `Link: <...>; rel="next"` pages of
   * GET /v2/<name>/tags/list (distribution spec), `pageSize` at a time.
   */
  async listTags(ref: ImageReference, options: { pageSize?: number; signal?: AbortSignal } = {}): Promise<string[]> {
    const tags: string[] = [];
    let path = `tags/list?n=${options.pageSize ?? 1000}`;
    for (let page = 0; page < 10_000; page += 1) {
      const { names, next } = await this.guard(ref, options.signal, async (combined) => {
        const response = await this.request(ref, path, 'GET', 'application/json', combined);
        const body = (await response.json()) as { tags?: unknown };
        const link = response.headers.get('link') ?? '';
        return {
          names: Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : [],
          next: /<[^>]*\/tags\/list(\?[^>]*)>\s*;\s*rel="?next"?/.exec(link)?.[1],
        };
      });
      tags.push(...names);
      if (!next) return tags;
      path = `tags/list${next}`;
    }
    throw new RegistryError('bad-response', ref.original, 'the tag list did not end after 10,000 pages');
  }

  /** The body, refused (as 'too-large') when it is over maxManifestBytes: by Content-Length first, else while reading. */
  private async limitedBody(ref: ImageReference, what: string, response: Response, signal: AbortSignal): Promise<Uint8Array> {
    const limit = this.maxManifestBytes;
    const tooLarge = (size: string) =>
      new RegistryError(
        'too-large',
        ref.original,
        `${what} is ${size} bytes, over the limit of ${limit}; refusing to read it (raise maxManifestBytes if it is genuine)`,
      );
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > limit) {
      await response.body?.cancel().catch(() => undefined); // only frees the socket early; the refusal is what matters
      throw tooLarge(String(declared));
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (response.body) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (signal.aborted) break;
        total += chunk.length;
        if (total > limit) throw tooLarge(`more than ${limit}`);
        chunks.push(chunk);
      }
    }
    return new Uint8Array(Buffer.concat(chunks));
  }

  /** GETs a blob (the image config), verified against its digest. */
  async getBlob(ref: ImageReference, digest: string, signal?: AbortSignal): Promise<Uint8Array> {
    return this.guard(ref, signal, async (combined) => {
      const response = await this.request(ref, `blobs/${digest}`, 'GET', '*/*', combined);
      const bytes = new Uint8Array(await response.arrayBuffer());
      verify(ref, `blob ${digest}`, bytes, digest);
      return bytes;
    });
  }

  /** Runs one operation under the timeout and turns network failures into RegistryErrors. */
  private async guard<T>(ref: ImageReference, signal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      return await run(combined);
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      if (signal?.aborted) throw error;
      const host = ref.registry;
      if (timeout.aborted)
        throw new RegistryError(
          'timeout',
          ref.original,
          `${host} did not answer within ${this.timeoutMs}ms; check the registry or raise --timeout`,
        );
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
      throw new RegistryError('unreachable', ref.original, `cannot reach ${registryBaseUrl(ref, this.env)} (${detail})`);
    }
  }

  private credentialsFor(registry: string): Promise<Credentials | undefined> {
    let found = this.credentials.get(registry);
    if (!found) {
      found = findCredentials(registry, this.env);
      this.credentials.set(registry, found);
    }
    return found;
  }

  private async authorization(ref: ImageReference, challenge: Challenge, signal: AbortSignal): Promise<string | undefined> {
    const credentials = await this.credentialsFor(ref.registry);
    if (challenge.scheme === 'basic') return credentials ? basicHeader(credentials) : undefined;
    const scope = `repository:${ref.repository}:pull`;
    try {
      return `Bearer ${await this.tokens.token(challenge, scope, credentials, signal)}`;
    } catch (error) {
      if (!(error instanceof TokenFailure)) throw error;
      const who = credentials ? `with the credentials from ${credentials.from}` : 'anonymously';
      const fix = credentials
        ? ''
        : `; run \`docker login ${ref.registry}\` or set MICROSCALE_REGISTRY_USERNAME and MICROSCALE_REGISTRY_PASSWORD`;
      throw new RegistryError('auth', ref.original, `${error.message} when asked for a pull token ${who}${fix}`);
    }
  }

  private async request(ref: ImageReference, path: string, method: 'GET' | 'HEAD', accept: string, signal: AbortSignal): Promise<Response> {
    const url = `${registryBaseUrl(ref, this.env)}/v2/${ref.repository}/${path}`;
    const send = (authorization: string | undefined) => {
      const headers = { Accept: accept, ...(authorization ? { Authorization: authorization } : {}) };
      return method === 'HEAD' ? sendHead(url, headers, signal) : fetch(url, { method, signal, headers });
    };
    const known = this.challenges.get(ref.registry);
    let response = await send(known ? await this.authorization(ref, known, signal) : undefined);
    if (response.status === 401) {
      const challenge = parseChallenge(response.headers.get('www-authenticate'));
      if (challenge) {
        this.challenges.set(ref.registry, challenge);
        const authorization = await this.authorization(ref, challenge, signal);
        if (authorization) response = await send(authorization);
      }
    }
    if (!response.ok) throw await failureOf(ref, path, response, (registry) => this.credentialsFor(registry));
    return response;
  }
}
