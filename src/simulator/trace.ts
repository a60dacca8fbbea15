// Demand traces: CSV with a `t_s` column, then one column per service with its arrival rate
// (messages/s), piecewise constant from each row's t_s until the next. Parsed by hand (the format is
// a few numbers per line; a CSV library would add nothing) with errors that name the line and column.
import { readFile } from 'node:fs/promises';

export class TraceError extends Error {
  override readonly name = 'TraceError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

export interface Trace {
  /** Row start times in seconds, strictly increasing, first one 0 or more. */
  readonly timesS: Float64Array;
  /** Arrival rate (messages/s) per column name, one value per row. */
  readonly columns: ReadonlyMap<string, Float64Array>;
  /** When the last row ends: its start plus the step before it (or +1 s for a one-row trace). */
  readonly durationS: number;
}

function parseNumber(cell: string, file: string, line: number, column: string, columnIndex: number): number {
  const value = cell.trim() === '' ? Number.NaN : Number(cell);
  if (!Number.isFinite(value)) {
    throw new TraceError(
      file,
      `line ${line}, column ${columnIndex + 1} (${column}): "${cell}" is not a number; write a plain number like 12.5`,
    );
  }
  return value;
}

/** Parses trace CSV text. `file` only names the source in errors. */
export function parseTrace(text: string, file = 'trace'): Trace {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (headerIndex < 0) throw new TraceError(file, 'is empty; expected a header line like "t_s,orders"');
  const header = (lines[headerIndex] ?? '').split(',').map((h) => h.trim());
  if (header[0] !== 't_s')
    throw new TraceError(file, `line ${headerIndex + 1}, column 1: expected the header "t_s", got "${header[0] ?? ''}"`);
  if (header.length < 2)
    throw new TraceError(file, `line ${headerIndex + 1}: expected at least one rate column after t_s (one per service)`);
  header.forEach((name, i) => {
    if (name === '') throw new TraceError(file, `line ${headerIndex + 1}, column ${i + 1}: empty column name`);
    if (header.indexOf(name) !== i) throw new TraceError(file, `line ${headerIndex + 1}, column ${i + 1}: column "${name}" appears twice`);
  });
  const times: number[] = [];
  const values: number[][] = header.slice(1).map(() => []);
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const raw = lines[index] ?? '';
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const line = index + 1;
    const cells = raw.split(',');
    if (cells.length !== header.length) {
      throw new TraceError(file, `line ${line}: expected ${header.length} values (${header.join(',')}), got ${cells.length}`);
    }
    const t = parseNumber(cells[0] ?? '', file, line, 't_s', 0);
    const previous = times.at(-1);
    if (t < 0) throw new TraceError(file, `line ${line}, column 1 (t_s): ${t} is negative; times start at 0`);
    if (previous !== undefined && t <= previous) {
      throw new TraceError(
        file,
        `line ${line}, column 1 (t_s): ${t} is not after the previous row's ${previous}; rows must be in increasing time order`,
      );
    }
    times.push(t);
    for (let c = 1; c < header.length; c++) {
      const rate = parseNumber(cells[c] ?? '', file, line, header[c] ?? '', c);
      if (rate < 0)
        throw new TraceError(file, `line ${line}, column ${c + 1} (${header[c]}): ${rate} is negative; an arrival rate is 0 or more`);
      values[c - 1]?.push(rate);
    }
  }
  if (times.length === 0) throw new TraceError(file, 'has a header but no rows');
  const last = times.at(-1) ?? 0;
  const stepS = times.length > 1 ? last - (times.at(-2) ?? 0) : 1;
  return {
    timesS: Float64Array.from(times),
    columns: new Map(header.slice(1).map((name, i) => [name, Float64Array.from(values[i] ?? [])])),
    durationS: last + stepS,
  };
}

export async function loadTrace(file: string): Promise<Trace> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TraceError(
      file,
      code === 'ENOENT' ? 'file not found; make one with `microscale trace gen`' : `cannot read it (${code ?? 'error'})`,
    );
  }
  return parseTrace(text, file);
}

export function formatTrace(trace: Trace): string {
  const names = [...trace.columns.keys()];
  const rows = [`t_s,${names.join(',')}`];
  trace.timesS.forEach((t, i) => {
    rows.push([round(t), ...names.map((n) => round(trace.columns.get(n)?.[i] ?? 0))].join(','));
  });
  return `${rows.join('\n')}\n`;
}

function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/**
 * Reads a column at increasing times in O(1) amortised (the simulator only moves forward); a time
 * earlier than the last one asked restarts the search. Before the first row the rate is 0.
 */
export function sampler(trace: Trace, column: string): (tS: number) => number {
  const values = trace.columns.get(column);
  if (!values) throw new Error(`trace has no column ${column}`);
  const times = trace.timesS;
  let row = -1;
  let lastT = Number.NEGATIVE_INFINITY;
  return (tS) => {
    if (tS < lastT) row = -1;
    lastT = tS;
    while (row + 1 < times.length && (times[row + 1] ?? Infinity) <= tS) row++;
    return row < 0 ? 0 : (values[row] ?? 0);
  };
}

/** A trace scaled so that the column's peak becomes `peak` (for real traces sized to a pool). */
export function scaleColumn(trace: Trace, column: string, peak: number, renameTo = column): Trace {
  const values = trace.columns.get(column);
  if (!values) throw new Error(`trace has no column ${column}`);
  const max = values.reduce((m, v) => Math.max(m, v), 0);
  const factor = max > 0 ? peak / max : 0;
  return { ...trace, columns: new Map([[renameTo, values.map((v) => v * factor)]]) };
}
