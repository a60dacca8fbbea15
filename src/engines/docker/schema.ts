// The `engine:` block and the per-service keys of the `docker` engine, as zod schemas.
import { z } from 'zod';
import { duration, intAtLeast, nonEmptyString } from '../../config/fields.js';

/** unix:///path, tcp://host:port or http(s)://host:port, like DOCKER_HOST. */
export const hostField = nonEmptyString('a Docker host like unix:///var/run/docker.sock or tcp://127.0.0.1:2375').regex(
  /^(unix:\/\/\/.+|(tcp|http|https):\/\/[^/]+)$/,
  'expected a Docker host like unix:///var/run/docker.sock or tcp://127.0.0.1:2375',
);

export const poolField = nonEmptyString('a pool name').regex(
  /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/,
  'expected a pool name of letters, digits, "_", "." or "-"',
);

export const dockerSchema = z
  .object({
    kind: z.literal('docker'),
    /** Default: DOCKER_HOST, else unix:///var/run/docker.sock. */
    host: hostField.optional(),
    /** Written as a label on every container, so two agents with different pools share one daemon. */
    pool: poolField.default('default'),
    /** Containers created and started at once. */
    startConcurrency: intAtLeast(1, 1000).default(8),
    /** A full list now and then, besides the events stream. */
    resync: duration().default('5s'),
    /**
     * Containers of each service created ahead of need and not started (labelled prepared: they hold no
     * place in the pool). A start takes one instead of creating, so only the start itself is left on
     * the path from a demand change to a running container. Topped up while no start is in flight.
     */
    preCreate: intAtLeast(0, 100).default(0),
  })
  .strict();

export type DockerConfig = z.infer<typeof dockerSchema>;

const envValue = z.union([z.string(), z.number(), z.boolean()], { errorMap: () => ({ message: 'expected a string, number or boolean' }) });

export const dockerServiceShape = {
  image: nonEmptyString('an image reference, e.g. acme/orders-consumer:1.4'),
  /** A list is the argv; a string runs through `sh -c` (the image needs a shell). */
  command: z
    .union([z.array(z.string()).min(1, 'expected at least one word'), nonEmptyString('a command')], {
      errorMap: () => ({ message: 'expected a command: a list of words, or a string run with sh -c' }),
    })
    .optional(),
  env: z
    .union([z.record(envValue), z.array(z.string().regex(/^[^=]+=/, 'expected KEY=value'))], {
      errorMap: () => ({ message: 'expected env as a map {KEY: value} or a list of KEY=value' }),
    })
    .optional(),
  /** host, bridge, none, or the name of a network. */
  network: nonEmptyString('a network: host, bridge, none or a network name').optional(),
  /** Run an init (tini) as PID 1 so SIGTERM reaches the process and stops are quick (default true). */
  init: z.boolean({ invalid_type_error: 'expected true or false' }).optional(),
  /** Extra labels on each container (microscale's own io.microscale.* keys are reserved). */
  labels: z.record(z.string()).optional(),
};

// A type, not an interface: it then fits EngineService's Record<string, unknown> options, so
// DockerEngine.reconfigure can take these typed and still implement Engine.reconfigure.
export type DockerServiceOptions = {
  readonly image: string;
  readonly command?: string | readonly string[];
  readonly env?: Readonly<Record<string, string | number | boolean>> | readonly string[];
  readonly network?: string;
  readonly init?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
};
