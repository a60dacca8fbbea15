// `microscale bench` loads the bench when it runs (from dist-bench/ once built; from the sources here), so
// it imports nothing of bench/ itself: what it expects of the module must be what bench/index.ts exports.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as bench from '../bench/index.js';
import { loadBench, type BenchModule } from './commands/bench.js';

describe('microscale bench: loading the bench', () => {
  it('loads bench/index.ts with every benchmark, and its exports are what the command calls', async () => {
    const exported: BenchModule = bench; // does not compile if the command's BenchModule and the bench drift apart
    const loaded = await loadBench();
    assert.deepEqual(
      loaded.benchmarks.map((b) => b.name),
      exported.benchmarks.map((b) => b.name),
    );
    assert.ok(loaded.benchmarks.some((b) => b.name === 'remote-engines'));
    const table = loaded.formatTable({ name: 'probe', summary: 'a table', rows: [{ case: 'one', ms: 1.5 }] });
    assert.match(table, /case\s+ms/);
  });
});
