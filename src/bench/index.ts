// Every benchmark `microscale bench` knows. Adding one: a file under bench/ (or beside what it measures)
// and one line here.
import type { Benchmark } from './types.js';
import { arbiterBenchmark } from './arbiter.js';

export const benchmarks: readonly Benchmark[] = [arbiterBenchmark];
