// The Kubernetes API clients microscale uses, built from a kubeconfig (or the in-cluster service
// account), every request bounded by a timeout; plus the mapping of API failures to EngineError and
// the retry of conflicts (409) and throttling (429) with backoff.
import {
  ApiException,
  AppsV1Api,
  AutoscalingV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  ServerConfiguration,
  createConfiguration,
  setHeaderMiddleware,
  type ObservableMiddleware,
} from '@kubernetes/client-node';
import { dirname } from 'node:path';
import { EngineError, errorMessage, type EngineFailure } from '../../errors.js';
import { formatSize, readSmallFile } from '../../util/read-file.js';

export const ENGINE = 'kubernetes';

export interface KubeClients {
  readonly kubeConfig: KubeConfig;
  /** The namespace of the kubeconfig's context (in a cluster: the pod's own), else "default". */
  readonly contextNamespace: string;
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
  readonly autoscaling: AutoscalingV1Api;
  readonly custom: CustomObjectsApi;
  readonly coordination: CoordinationV1Api;
}

export interface ConnectOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly requestTimeout: number;
}

/** Kubeconfigs with many clusters and embedded certificates stay well under this. */
export const MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024;

/**
 * The `engine.kubeconfig` file's text, read bounded (util/read-file.ts: never a device, fifo or directory,
 * never past the limit), or why it cannot be one; `wrongFile` when no machine could hold it as a kubeconfig.
 */
export function readKubeconfigFile(file: string): { readonly text: string } | { readonly problem: string; readonly wrongFile: boolean } {
  const result = readSmallFile(file, MAX_KUBECONFIG_BYTES);
  if ('text' in result) return result;
  switch (result.failure) {
    case 'missing':
      return { problem: `${file} does not exist`, wrongFile: false };
    case 'unreadable':
      return { problem: `cannot read ${file} (${result.code})`, wrongFile: false };
    case 'not-a-file':
      return { problem: `${file} is ${result.kind}, not a kubeconfig file; point it at the kubeconfig`, wrongFile: true };
    case 'too-large':
      return {
        problem: `${file} is larger than ${formatSize(MAX_KUBECONFIG_BYTES)}, too large for a kubeconfig; point it at the kubeconfig`,
        wrongFile: true,
      };
  }
}

/** Outside a cluster: the file given, else $KUBECONFIG or ~/.kube/config; inside: the service account. */
export function loadKubeConfig(options: Omit<ConnectOptions, 'requestTimeout'>): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    if (options.kubeconfig) {
      const read = readKubeconfigFile(options.kubeconfig);
      if (!('text' in read)) throw new Error(read.problem);
      kubeConfig.loadFromString(read.text);
      // As loadFromFile does: certificate and key paths in the file are relative to it.
      kubeConfig.makePathsAbsolute(dirname(options.kubeconfig));
    } else kubeConfig.loadFromDefault();
    if (options.context) kubeConfig.setCurrentContext(options.context);
  } catch (error) {
    throw new EngineError(
      'unreachable',
      ENGINE,
      `cannot load the kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: ${errorMessage(error)}`,
    );
  }
  const cluster = kubeConfig.getCurrentCluster();
  // loadFromDefault falls back to http://localhost:8080 when it finds nothing: say so instead of dialling it.
  if (!cluster || (cluster.name === 'cluster' && cluster.server === 'http://localhost:8080')) {
    throw new EngineError(
      'unreachable',
      ENGINE,
      'no Kubernetes credentials found: set KUBECONFIG (or engine.kubeconfig), or run microscale inside the cluster with a service account',
    );
  }
  if (options.context && kubeConfig.getCurrentContext() !== options.context) {
    throw new EngineError(
      'not-found',
      ENGINE,
      `kubeconfig context "${options.context}" does not exist; known: ${kubeConfig
        .getContexts()
        .map((c) => c.name)
        .join(', ')}`,
    );
  }
  return kubeConfig;
}

/** Bounds every request: a hung API server becomes a timeout, not a tick that never ends. */
function timeoutMiddleware(timeoutMs: number): ObservableMiddleware {
  const base = setHeaderMiddleware('User-Agent', 'microscale');
  return {
    pre: (context) => {
      context.setSignal(AbortSignal.timeout(timeoutMs));
      return base.pre(context);
    },
    post: (context) => base.post(context),
  };
}

export function connect(options: ConnectOptions): KubeClients {
  const kubeConfig = loadKubeConfig(options);
  return clientsFor(kubeConfig, options.requestTimeout);
}

/** The namespace of the kubeconfig's current context (in a cluster: the pod's own), else "default". */
export function contextNamespaceOf(kubeConfig: KubeConfig): string {
  return kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace?.trim() || 'default';
}

export function clientsFor(kubeConfig: KubeConfig, requestTimeoutMs: number): KubeClients {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new EngineError('unreachable', ENGINE, 'the kubeconfig has no current cluster');
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    middleware: [timeoutMiddleware(requestTimeoutMs)],
  });
  return {
    kubeConfig,
    contextNamespace: contextNamespaceOf(kubeConfig),
    apps: new AppsV1Api(configuration),
    core: new CoreV1Api(configuration),
    autoscaling: new AutoscalingV1Api(configuration),
    custom: new CustomObjectsApi(configuration),
    coordination: new CoordinationV1Api(configuration),
  };
}

/** The HTTP status of an API failure, if it got that far. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const code = (error as { statusCode?: unknown; code?: unknown } | null)?.statusCode ?? (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function failureOf(error: unknown): EngineFailure {
  const status = statusOf(error);
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'throttled';
  if (status !== undefined && status < 500) return 'refused';
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return 'timeout';
  return 'unreachable';
}

/** The API server's own message (a Status object's `message`), else the error's. */
export function reasonOf(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
    const message = (body as { message?: unknown } | null)?.message;
    return `HTTP ${error.code}${typeof message === 'string' ? `: ${message}` : ''}`;
  }
  return errorMessage(error);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const HINTS: Partial<Record<EngineFailure, string>> = {
  auth: "check the service account's Role (deploy/kubernetes/rbac.yaml lists what microscale needs)",
  unreachable: 'is the API server up, and is KUBECONFIG right?',
};

export function toEngineError(error: unknown, doing: string, service?: string): EngineError {
  if (error instanceof EngineError) return error;
  const failure = failureOf(error);
  const hint = HINTS[failure];
  return new EngineError(failure, ENGINE, `${doing}: ${reasonOf(error)}${hint ? ` (${hint})` : ''}`, service);
}

export interface RetryOptions {
  readonly attempts?: number;
  readonly firstDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The server's Retry-After (seconds) on a 429, bounded so one tick never waits long. */
function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const seconds = Number(error.headers['retry-after']);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, 5000) : undefined;
}

/**
 * Runs `call`, retrying conflicts (409) and throttling (429) with doubling backoff; anything else, or
 * the last failure, becomes an EngineError.
 */
export async function withRetry<T>(doing: string, call: () => Promise<T>, service?: string, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const sleep = options.sleep ?? sleepMs;
  let delayMs = options.firstDelayMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const status = statusOf(error);
      if ((status !== 409 && status !== 429) || attempt >= attempts) throw toEngineError(error, doing, service);
      await sleep(retryAfterMs(error) ?? delayMs);
      delayMs *= 2;
    }
  }
}
