// Every source kind microscale knows, each loaded (with its client library) only when a config names it
// (util/lazy-kinds.ts). Adding a kind: a folder under sources/ and one line here.
import { LazyKinds } from '../util/lazy-kinds.js';
import type { SourceKind } from './types.js';

export const sourceKinds = new LazyKinds<SourceKind>({
  random: async () => (await import('./random/random.js')).randomSource,
  redis: async () => (await import('./redis/redis.js')).redisSource,
  push: async () => (await import('./push/push.js')).pushSource,
  rabbitmq: async () => (await import('./rabbitmq/rabbitmq.js')).rabbitmqSource,
  nats: async () => (await import('./nats/nats.js')).natsSource,
  sqs: async () => (await import('./sqs/sqs.js')).sqsSource,
  'azure-queue': async () => (await import('./azure-queue/azure-queue.js')).azureQueueSource,
  nsq: async () => (await import('./nsq/nsq.js')).nsqSource,
  prometheus: async () => (await import('./prometheus/prometheus.js')).prometheusSource,
  http: async () => (await import('./http/http.js')).httpSource,
});

/** The source kind if it is loaded (every kind a validated config names is); see sourceKinds.load. */
export function findSourceKind(kind: string): SourceKind | undefined {
  return sourceKinds.find(kind);
}
