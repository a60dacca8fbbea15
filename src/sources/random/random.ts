// `random`: made-up demand for the demo, the classic microscaling random walk: every `every`, the
// demand moves by a random step in [-step, +step], kept within [min, max]. Seeded, so repeatable.
import { z } from 'zod';
import { defineSource, type Source, type SourceContext } from '../types.js';
import { duration, intAtLeast } from '../../config/fields.js';
import { randomInt, seededRandom } from '../../util/random.js';

export const randomSchema = z
  .object({
    source: z.literal('random'),
    min: intAtLeast(0).default(0),
    max: intAtLeast(0).default(9),
    step: intAtLeast(1).default(3),
    every: duration().default('3s'),
    start: intAtLeast(0).optional(),
    seed: intAtLeast(0).optional(),
  })
  .strict()
  .refine((c) => c.min <= c.max, { message: 'min must be <= max', path: ['min'] })
  .refine((c) => c.every >= 100, { message: 'expected a period of at least 100ms', path: ['every'] });

export type RandomConfig = z.infer<typeof randomSchema>;

export class RandomDemandSource implements Source {
  private readonly random;
  private value: number;
  private periodsSeen = 0;
  private readonly startMs: number;

  constructor(
    private readonly config: RandomConfig,
    private readonly context: Pick<SourceContext, 'nowMs'>,
  ) {
    this.random = seededRandom(config.seed ?? Math.floor(Math.random() * 2 ** 31));
    this.value = config.start ?? Math.round((config.min + config.max) / 2);
    this.startMs = context.nowMs();
  }

  /** The demand at the agent's current time: one random step per elapsed period. */
  valueNow(): number {
    const periods = Math.floor((this.context.nowMs() - this.startMs) / this.config.every);
    while (this.periodsSeen < periods) {
      this.periodsSeen++;
      const step = randomInt(this.random, -this.config.step, this.config.step);
      this.value = Math.min(this.config.max, Math.max(this.config.min, this.value + step));
    }
    return this.value;
  }

  async read(): Promise<number> {
    return this.valueNow();
  }

  /** The demand moves only at period boundaries: wake the agent right then. */
  watch(onChange: () => void): () => void {
    const every = this.config.every;
    const sinceStart = this.context.nowMs() - this.startMs;
    let interval: NodeJS.Timeout | undefined;
    const first = setTimeout(
      () => {
        onChange();
        interval = setInterval(onChange, every);
        interval.unref();
      },
      every - (sinceStart % every) + 1,
    );
    first.unref();
    return () => {
      clearTimeout(first);
      clearInterval(interval);
    };
  }

  async close(): Promise<void> {}
}

export const randomSource = defineSource({
  kind: 'random',
  status: 'embedded',
  description: 'random-walk demand for demos (no server)',
  schema: randomSchema,
  create: (config, context) => new RandomDemandSource(config, context),
});
