// Every source kind microscale knows. Adding a kind: a folder under sources/ and one line here.
import type { SourceKind } from './types.js';
import { randomSource } from './random/random.js';
import { sqsSource } from './sqs/sqs.js';
import { azureQueueSource } from './azure-queue/azure-queue.js';
import { nsqSource } from './nsq/nsq.js';
import { prometheusSource } from './prometheus/prometheus.js';
import { httpSource } from './http/http.js';
import { redisSource } from './redis/redis.js';
import { pushSource } from './push/push.js';
import { rabbitmqSource } from './rabbitmq/rabbitmq.js';
import { natsSource } from './nats/nats.js';

export const sourceKinds: readonly SourceKind[] = [
  randomSource,
  redisSource,
  pushSource,
  rabbitmqSource,
  natsSource,
  sqsSource,
  azureQueueSource,
  nsqSource,
  prometheusSource,
  httpSource,
];

export function findSourceKind(kind: string): SourceKind | undefined {
  return sourceKinds.find((k) => k.kind === kind);
}
