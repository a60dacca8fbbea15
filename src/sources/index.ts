// Every source kind microscale knows. Adding a kind: a folder under sources/ and one line here.
import type { SourceKind } from './types.js';
import { randomSource } from './random/random.js';

export const sourceKinds: readonly SourceKind[] = [randomSource];

export function findSourceKind(kind: string): SourceKind | undefined {
  return sourceKinds.find((k) => k.kind === kind);
}
