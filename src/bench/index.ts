// Every benchmark `microscale bench` knows, and how it prints them: what the command loads from dist-bench/
// (cli/commands/bench.ts). Adding one: a file under bench/ and one line here.
import type { Benchmark } from './types.js';
import { arbiterBenchmark } from './arbiter.js';
import { remoteEnginesBenchmark } from './remote-engines.js';
import { controlBenchmark } from './control.js';
import { scaleBenchmark } from './scale.js';
import { dockerBenchmark } from './docker.js';
import { kubernetesBenchmark } from './kubernetes.js';
import { sourcesBenchmark } from './sources.js';
import { registryBenchmark } from './registry.js';
import { watchBenchmark } from './watch.js';
import { faultsBenchmark } from './faults.js';
import { demoBenchmark } from './demo.js';
import { dockerStartBenchmark } from './docker-start.js';

export { formatTable } from './table.js';

export const benchmarks: readonly Benchmark[] = [
  arbiterBenchmark,
  controlBenchmark,
  scaleBenchmark,
  dockerBenchmark,
  kubernetesBenchmark,
  sourcesBenchmark,
  remoteEnginesBenchmark,
  registryBenchmark,
  watchBenchmark,
  faultsBenchmark,
  demoBenchmark,
  dockerStartBenchmark,
];
