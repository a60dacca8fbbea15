// Prints benchmark rows as an aligned text table.
import type { BenchResult } from './types.js';

export function formatTable(result: BenchResult): string {
  const columns = [...new Set(result.rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: string | number | null | undefined): string =>
    value === null || value === undefined
      ? '-'
      : typeof value === 'number'
        ? Number.isInteger(value)
          ? String(value)
          : value.toFixed(2)
        : value;
  const widths = columns.map((c) => Math.max(c.length, ...result.rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [`## ${result.name}: ${result.summary}`, line(columns), line(widths.map((w) => '-'.repeat(w)))];
  for (const row of result.rows) out.push(line(columns.map((c) => cell(row[c]))));
  for (const note of result.notes ?? []) out.push(`note: ${note}`);
  return out.join('\n');
}
