// The `engine:` block and the per-service keys of the `swarm` engine, as zod schemas.
import { z } from 'zod';
import { nonEmptyString } from '../../config/fields.js';
import { hostField, poolField, dockerServiceShape } from '../docker/schema.js';

export const swarmSchema = z
  .object({
    kind: z.literal('swarm'),
    /** A Swarm manager: default DOCKER_HOST, else unix:///var/run/docker.sock. */
    host: hostField.optional(),
    /** Labels the Swarm services microscale creates, so two agents with different pools share a Swarm. */
    pool: poolField.default('default'),
  })
  .strict();

export type SwarmConfig = z.infer<typeof swarmSchema>;

/** Either `image` (microscale creates and owns the Swarm service) or `service` (an existing one to scale). */
export const swarmServiceShape = {
  image: dockerServiceShape.image.optional(),
  service: nonEmptyString('the name of an existing Swarm service').optional(),
  command: dockerServiceShape.command,
  env: dockerServiceShape.env,
  init: dockerServiceShape.init,
  labels: dockerServiceShape.labels,
};

export interface SwarmServiceOptions {
  readonly image?: string;
  readonly service?: string;
  readonly command?: string | readonly string[];
  readonly env?: Readonly<Record<string, string | number | boolean>> | readonly string[];
  readonly init?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
}
