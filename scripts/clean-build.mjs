// Before a build: removes dist/ and dist-bench/, so a file moved or deleted in src/ (or moved from the
// product into the bench) leaves nothing stale behind. tsc only ever adds to its output folder.
import { rmSync } from 'node:fs';

for (const dir of ['dist', 'dist-bench']) rmSync(new URL(`../${dir}/`, import.meta.url), { recursive: true, force: true });
